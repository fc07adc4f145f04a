import sys, re, unicodedata, yaml, glob, os, collections
ROOT = '/work/main/bench/data/nlu_dev'
INTENTS = set("greet goodbye thank affirm deny bot_challenge help out_of_scope ask_place_info ask_place_location ask_opening_hours ask_ticket_price find_places book_ticket check_booking cancel_booking ask_procedure ask_procedure_documents ask_procedure_fee ask_processing_time request_human".split())
ENTS = {'place', 'area', 'category', 'procedure', 'booking_code'}
SPAN = re.compile(r'\[([^\]]+)\]\(([^)]+)\)')
def strip_ann(t): return SPAN.sub(lambda m: m.group(1), t)
def fold(t):
    t = unicodedata.normalize('NFD', strip_ann(t).replace('đ', 'd').replace('Đ', 'D'))
    t = ''.join(c for c in t if unicodedata.category(c) != 'Mn').lower()
    return re.sub(r'[^\w]+', ' ', t).strip()
errors = []; seen = {}
counts = collections.defaultdict(collections.Counter)  # style -> intent
ent_counts = collections.defaultdict(collections.Counter)
with_ent = collections.Counter(); total = collections.Counter()
for path in sorted(glob.glob(f'{ROOT}/*/*.yml')):
    style = os.path.basename(os.path.dirname(path))
    raw = open(path, encoding='utf-8').read()
    if unicodedata.normalize('NFC', raw) != raw: errors.append(f'{path}: not NFC')
    if style == 'no_diacritics' and not raw.isascii():
        bad = sorted({c for c in raw if not c.isascii()}); errors.append(f'{path}: non-ASCII {bad}')
    try: d = yaml.safe_load(raw)
    except Exception as e: errors.append(f'{path}: YAML {e}'); continue
    if str(d.get('version')) != '3.1': errors.append(f'{path}: version')
    for block in d['nlu']:
        it = block['intent']
        if it not in INTENTS: errors.append(f'{path}: bad intent {it}')
        for line in block['examples'].splitlines():
            line = line.strip()
            if not line: continue
            if not line.startswith('- '): errors.append(f'{path}: bad line {line}'); continue
            ex = line[2:]
            spans = SPAN.findall(ex)
            if ex.count('[') != len(spans) or ex.count(']') != len(spans) or ex.count('](') != len(spans):
                errors.append(f'{path}: bracket mismatch: {ex}')
            for txt, ent in spans:
                if ent not in ENTS: errors.append(f'{path}: bad entity {ent} in {ex}')
                if txt != txt.strip(): errors.append(f'{path}: span whitespace {ex}')
                if ent == 'booking_code' and not re.fullmatch(r'[A-Za-z0-9]{6,8}', txt): errors.append(f'{path}: bad code {txt}')
                ent_counts[style][ent] += 1
            k = fold(ex)
            if k in seen: errors.append(f'duplicate: {ex!r} ({path}) ~ {seen[k]}')
            seen[k] = f'{path}: {ex}'
            counts[style][it] += 1; total[style] += 1
            if spans: with_ent[style] += 1
for e in errors: print('ERROR', e)
for s in total:
    print(f'{s}: {total[s]} examples, {with_ent[s]} with entities ({100*with_ent[s]/total[s]:.0f}%)', dict(ent_counts[s]))
print('TOTAL', sum(total.values()), 'with entities', sum(with_ent.values()), f'{100*sum(with_ent.values())/max(1,sum(total.values())):.1f}%')
if '-v' in sys.argv:
    for it in sorted(INTENTS):
        print(it, [counts[s][it] for s in ['vi','no_diacritics','teencode','en']])
sys.exit(1 if errors else 0)
