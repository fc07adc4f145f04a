#!/usr/bin/env bash
# Trains the model only when its inputs changed: the model is named by a hash of config.yml, domain/,
# data/, the custom NLU components and the name rules training masks with (bot/knowledge's gazetteer, the
# lexicon), so an unchanged tree reuses models/qn-<hash>.tar.gz at once.
set -euo pipefail
cd "$(dirname "$0")/.."
hash=$(cat config.yml $(find domain data bot/nlu bot/text.py bot/language.py bot/lexicon.py bot/knowledge/gazetteer.py \
        bot/knowledge/places.py -type f \( -name '*.yml' -o -name '*.py' \) | sort) \
       | sha256sum | cut -c1-12)
model="models/qn-$hash.tar.gz"
if [ -f "$model" ]; then
  echo "train: $model is up to date"
else
  echo "train: training $model (about 3-4 minutes on 2 cores; Rasa reuses unchanged components)"
  started=$(date +%s)
  TF_DETERMINISTIC_OPS=1 PYTHONHASHSEED=0 .venv/bin/rasa train --config config.yml --domain domain --data data --out models \
    --fixed-model-name "qn-$hash" --quiet
  echo "train: done in $(( $(date +%s) - started )) s"
fi
# Rasa loads the newest model in models/: make sure that is this one.
touch "$model"
