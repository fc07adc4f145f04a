"""Speed-ups of Rasa's own serving path, found by bench/profile_turn.py. Each keeps Rasa's behaviour.

The one place where this project changes Rasa. Nothing here happens on import: the launcher (`python -m
bot.launch run|test|shell ...`, used by the scripts, the tests and the benches) calls install(), which checks
Rasa's version, installs the patches by name (each can be switched off with QN_RASA_PATCHES_OFF, so the bench can
measure what each one is worth), and uninstall() puts Rasa's own functions back.
"""
from __future__ import annotations

import copy
import json
import logging
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Set, Tuple

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


@lru_cache(maxsize=1)
def _event_validators() -> Dict[str, Any]:
    """One validator per event type: Rasa's event schema (the common part plus that type's branch). Rasa's
    schema says "oneOf" 23 branches, and every branch pins `event` to its own constant, so an event can only
    ever match the branch named by its `event`: checking that branch alone gives the same verdict, without
    trying the 22 others (0.8 ms -> 0.09 ms for a typical answer)."""
    from jsonschema.validators import validator_for
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    common = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    validators = {}
    for branch in EVENT_SCHEMA["oneOf"]:
        schema = {"allOf": [common, branch]}
        validators[branch["properties"]["event"]["const"]] = validator_for(schema)(schema)
    return validators


def _plainly_valid(result: Any) -> bool:
    """True only if the full schema would accept `result` (see _event_validators); anything else goes to
    the full check, which gives Rasa's own error."""
    if not isinstance(result, dict):
        return False
    events, responses = result.get("events", []), result.get("responses", [])
    if not isinstance(events, list) or not isinstance(responses, list):
        return False
    validators = _event_validators()
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        if not isinstance(kind, str) or kind not in validators or not validators[kind].is_valid(event):
            return False
    return all(isinstance(response, dict) for response in responses)


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Rasa's check of an action server's answer, against the same schema. Rasa calls jsonschema.validate(),
    which re-checks the schema itself and re-resolves its references on every call: 38 ms per custom action
    on these machines, more than everything else in a turn. Here a validator is built once, and the usual
    answer passes the per-event-type check; only a doubtful one goes through the whole schema."""
    from jsonschema import ValidationError

    if _plainly_valid(result):
        return True
    try:
        _action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response from "
                          "the Action endpoint is valid.")
        raise error


_subclasses: dict[type, list[Any]] = {}


def _all_subclasses(cls: type) -> list[Any]:
    """Rasa looks up an event's or slot's class by walking every subclass (with inspect.isabstract on
    each) for every event it reads: 4 ms a message. The classes are all defined at import, so the walk is
    done once per base class."""
    if cls not in _subclasses:
        _subclasses[cls] = _original_all_subclasses(cls)
    return _subclasses[cls]


_original_all_subclasses: Any = None
_original_parse: Any = None


class _NluCache:
    """Analyses of texts already seen, by the knowledge version their names came from."""

    def __init__(self, entries: int, database_url: str):
        self.size, self.database_url = entries, database_url
        self.entries: OrderedDict[Any, tuple[Any, Dict[str, Any]]] = OrderedDict()

    def knowledge_version(self) -> Any:
        """The latest load's version, as the knowledge watcher last read it (a thread of its own polls the
        database every 2 s, as for the gazetteer's names, so no message waits for it)."""
        from bot.knowledge.watcher import watcher_for

        return watcher_for(self.database_url).snapshot().version


def _parse_with_cache(self: Any, message: Any, tracker: Any, only_output_properties: bool = True) -> Dict[str, Any]:
    """NLU depends on the text and on the knowledge base's names (the gazetteer), nothing else: a text seen
    before ("xin chào", "xem thêm", a button's payload) is not analysed again while the knowledge version
    stays the one its analysis used. The version is polled every 2 s, as the gazetteer polls it, so a staff
    load reaches the analyses as fast as it did without the cache. Least recently used texts go first
    beyond QN_NLU_CACHE_ENTRIES (0: off). The cache lives on the processor: a new model starts empty."""
    from bot.nlu import gazetteer

    cache = self.__dict__.get("_qn_nlu_cache")
    if cache is None:
        from bot.settings import Settings

        settings = Settings.from_env()
        cache = self.__dict__["_qn_nlu_cache"] = _NluCache(settings.nlu_cache_entries, settings.database_url)
    if cache.size <= 0:
        return _original_parse(self, message, tracker, only_output_properties)
    version = cache.knowledge_version()
    key = (message.text, only_output_properties)
    hit = cache.entries.get(key)
    # An analysis the gazetteer took no part in (NOT_RUN) holds for every knowledge version.
    if hit is not None and (hit[0] is gazetteer.NOT_RUN or hit[0] == version):
        cache.entries.move_to_end(key)
        return copy.deepcopy(hit[1])
    gazetteer.last_version_used = gazetteer.NOT_RUN
    parsed = _original_parse(self, message, tracker, only_output_properties)
    cache.entries[key] = (gazetteer.last_version_used, copy.deepcopy(parsed))
    cache.entries.move_to_end(key)
    while len(cache.entries) > cache.size:
        cache.entries.popitem(last=False)
    return parsed


RULE_KEY_CACHE_ENTRIES = 10_000
_original_possible_keys: Any = None


def _possible_keys_with_cache(self: Any, lookup: Dict[str, str], states: List[Dict[str, Any]]) -> Set[str]:
    """RulePolicy matches the conversation's states against every rule (about 300 here), two or three times
    per message: 0.7 ms each. Only the last `longest rule` states can decide the match (Rasa's
    `_is_rule_applicable` accepts any rule once the turn index passes the rule's length), so the answer is
    remembered per repr of those states: equal reprs mean equal states (tuples and lists, 1 and 1.0 have
    different reprs), and equal states written in another key order only miss the cache."""
    memo = self.__dict__.get("_qn_rule_keys")
    if memo is None:
        memo = self.__dict__["_qn_rule_keys"] = {}
    entry = memo.get(id(lookup))
    if entry is None or entry[0] is not lookup:
        longest = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
        entry = memo[id(lookup)] = (lookup, longest, {})
    _, longest, answers = entry
    key = repr(states[-longest:]) if longest else ""
    found = answers.get(key)
    if found is None:
        found = frozenset(_original_possible_keys(self, lookup, states))
        if len(answers) >= RULE_KEY_CACHE_ENTRIES:
            answers.clear()
        answers[key] = found
    return set(found)


_original_find_action_from_rules: Any = None


def _may_match_typed_text(rule_key: str) -> bool:
    """Whether the rule's last state could match the state RulePolicy builds from a message's text alone
    (previous action action_listen, a user part with text and no intent or entities): False when the
    rule requires another previous action, no previous action (a conversation start), an intent or
    entities. The same conditions as Rasa's _does_rule_match_state and _is_rule_applicable."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, SHOULD_NOT_BE_SET

    def required(value: Any) -> bool:
        return bool(value) and value != SHOULD_NOT_BE_SET

    last = json.loads(rule_key)[-1]
    previous = last.get("prev_action") or {}
    if not previous:
        return False
    if required(previous.get("action_name")) and previous["action_name"] != ACTION_LISTEN_NAME:
        return False
    if required(previous.get("action_text")):
        return False
    user = last.get("user") or {}
    return not (required(user.get("intent")) or required(user.get("entities")))


def _find_action_from_rules_skipping_text(self: Any, tracker: Any, domain: Any,
                                          use_text_for_last_user_input: bool) -> Tuple[Any, Any, bool]:
    """RulePolicy looks for rules twice after each message: once on its text (end-to-end rules), once on
    its intent, and each look builds the conversation's states anew (1 ms). Our rules are all written with
    intents, so when no learnt rule could match a text-only state (checked once per loaded policy, over
    both rule tables) the text look cannot find anything: it is skipped with the answer it would give."""
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    if use_text_for_last_user_input:
        text_rules = self.__dict__.get("_qn_text_rules")
        if text_rules is None:
            keys = [*self.lookup.get(RULES, {}), *self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
            text_rules = self.__dict__["_qn_text_rules"] = any(_may_match_typed_text(key) for key in keys)
        if not text_rules:
            return None, None, False
    return _original_find_action_from_rules(self, tracker, domain, use_text_for_last_user_input)


ACTION_KEEPALIVE_SECONDS = 2.0  # below Sanic's 5 s, so the action server never closes a connection being reused
_original_session: Any = None


class _OpenSession:
    """`async with` on a session that stays open afterwards; its requests get the endpoint's `timeout`."""

    def __init__(self, session: Any, timeout: Any):
        self._session, self._timeout = session, timeout

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *_exc: Any) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        if self._timeout is not None:
            kwargs["timeout"] = self._timeout  # instead of the 5 minutes Rasa asks for
        return self._session.request(method, url, **kwargs)


def _kept_session(self: Any) -> Any:
    """Rasa opens a new HTTP session, and so a new TCP connection, for every call to the action server, and
    the action server sets up a new connection for each. Here each endpoint keeps one session per event
    loop, with the same headers, auth and timeout, whose idle connections are reused for 2 s.

    Rasa also waits up to 5 minutes for an action's answer, so a hung action server left the user without
    a word for that long. An endpoint's `timeout` (seconds; endpoints.yml sets 10 for the action server)
    bounds each call instead: the action fails, and the channel's guard apologises."""
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _original_session(self)
    kept = self.__dict__.get("_qn_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
            if self.basic_auth else None
        session = aiohttp.ClientSession(headers=self.headers, auth=auth,
                                        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                        connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_KEEPALIVE_SECONDS))
        timeout = _endpoint_timeout(self)
        kept = self.__dict__["_qn_session"] = (loop, _OpenSession(
            session, aiohttp.ClientTimeout(total=timeout) if timeout else None))
    return kept[1]


def _endpoint_timeout(endpoint: Any) -> float | None:
    try:
        timeout = float(endpoint.kwargs.get("timeout") or 0)
    except (TypeError, ValueError):
        logger.warning("the endpoint's timeout %r is not a number of seconds; Rasa's is used",
                       endpoint.kwargs.get("timeout"))
        return None
    return timeout if timeout > 0 else None


_original_model_load: Any = None


def _load_model_without_a_training_step(cls: Any, model_file_name: str, model_data_example: Any,
                                        predict_data_example: Any = None, finetune_mode: bool = False,
                                        *args: Any, **kwargs: Any) -> Any:
    """Rasa builds a loaded TensorFlow model's weights by training it for one step (compiling the whole
    training graph; loading took 13.4 s here, 5.6 s without it) and then overwrites them from the file.
    TensorFlow restores a checkpoint into variables as they are created, so one prediction builds them with
    the trained values instead. Fine-tuning, or a model loaded without an example to predict on, keeps Rasa's way."""
    if finetune_mode or not predict_data_example:
        return _original_model_load.__func__(cls, model_file_name, model_data_example, predict_data_example,
                                             finetune_mode, *args, **kwargs)
    model = cls(*args, **kwargs)
    restored = model.load_weights(model_file_name)
    model.run_inference(predict_data_example)  # creates the variables, filled from the checkpoint
    try:
        restored.assert_existing_objects_matched()  # every weight the model has came from the file
    except AssertionError:
        logger.warning("model weights did not all restore on prediction; loading it Rasa's way")
        return _original_model_load.__func__(cls, model_file_name, model_data_example, predict_data_example,
                                             finetune_mode, *args, **kwargs)
    restored.expect_partial()  # the optimizer's state in the file is not needed to predict
    return model


_original_graph_run: Any = None


def _execution_plan(runner: Any, targets: Tuple[str, ...]) -> List[Tuple[str, Any, List[str]]]:
    """The nodes the targets need, each after the nodes it needs: (name, node, names of its inputs)."""
    schema = runner._graph_schema.minimal_graph_schema(list(targets))
    plan: List[Tuple[str, Any, List[str]]] = []
    placed: Set[str] = set()

    def place(name: str) -> None:
        if name in placed or name not in schema.nodes:
            return
        placed.add(name)
        needs = list(schema.nodes[name].needs.values())
        for need in needs:
            place(need)
        plan.append((name, runner._instantiated_nodes[name], needs))

    for target in targets:
        place(target)
    return plan


def _run_graph_in_order(self: Any, inputs: Dict[str, Any] | None = None,
                        targets: List[str] | None = None) -> Dict[str, Any]:
    """Rasa runs its graph (the NLU pipeline once a message, the policies once per predicted action) through
    dask, which builds a task graph and schedules it on each call (1 ms a message here, a tenth of Rasa's
    time), after recomputing which nodes the targets need. The graph is small and its nodes run one after
    another anyway: here they run in an order worked out once per set of targets, each on its inputs'
    outputs, as dask would. The inputs become nodes of their own, as in dask (each gives (name, value)), and
    an input may not be named like a node, as in Rasa."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plans = self.__dict__.setdefault("_qn_plans", {})
    plan = plans.get(run_targets)
    if plan is None:
        steps = _execution_plan(self, run_targets)
        plan = plans[run_targets] = (steps, frozenset(name for name, _, _ in steps))
    steps, node_names = plan
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
    outputs: Dict[str, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and (input_value in outputs or input_value in node_names):
            raise GraphRunError(
                f"Input value '{input_value}' clashes with a node name. Make sure "
                f"that none of the input names passed to the `run` method are the "
                f"same as node names in the graph schema."
            )
        outputs[input_name] = (input_name, input_value)
    try:
        for name, node, needs in steps:
            if name not in outputs:  # an input given under a node's name replaces the node, as in dask
                outputs[name] = node(*(outputs.get(need, need) for need in needs))
        return dict(outputs[target] for target in run_targets)
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error


@lru_cache(maxsize=1)
def _empty_domain_as_dict() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.empty().as_dict()


_original_is_empty: Any = None


def _domain_is_empty(self: Any) -> bool:
    """Rasa's Domain.is_empty, which builds an empty domain to compare with on every call (once per message,
    0.15 ms): the empty domain is the same every time, so it is built once."""
    return self.as_dict() == _empty_domain_as_dict()


TF_THREAD_VARIABLES = ("TF_INTER_OP_PARALLELISM_THREADS", "TF_INTRA_OP_PARALLELISM_THREADS")


def _one_tensorflow_thread_unless_set() -> None:
    """DIET analyses one short text at a time, on a machine whose other core runs the action server:
    TensorFlow's thread pools cost more than they give (bench/serve.py, every text analysed: 6% more
    messages a second with one thread each). Rasa's own variables (TF_INTER_OP_PARALLELISM_THREADS,
    TF_INTRA_OP_PARALLELISM_THREADS; 0 is TensorFlow's default) still decide when they are set."""
    import os

    if any(os.environ.get(name) for name in TF_THREAD_VARIABLES):
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already started: its pools are set for this process
        logger.info("TensorFlow already running; its thread pools stay as they are")


class PatchError(RuntimeError):
    """The patches cannot be installed as asked (another Rasa version, an unknown patch name)."""


# The Rasa release every patch below was written against and tested with (tests/test_serving.py compares each
# with Rasa's own code). Another version is refused rather than patched blindly.
SUPPORTED_RASA = "3.6.21"


def _patches() -> Dict[str, List[Tuple[Any, str, Any]]]:
    """Every patch by name: (owner, attribute, replacement). Names are what QN_RASA_PATCHES_OFF lists."""
    import rasa.shared.utils.common
    from rasa.core.actions.action import RemoteAction
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.processor import MessageProcessor
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.tensorflow.models import RasaModel

    return {
        "action_schema_check": [(RemoteAction, "_validate_action_result", _validate_action_result)],
        "event_class_lookup": [(rasa.shared.utils.common, "all_subclasses", _all_subclasses)],
        "nlu_cache": [(MessageProcessor, "_parse_message_with_graph", _parse_with_cache)],
        "rule_match_memo": [(RulePolicy, "_get_possible_keys", _possible_keys_with_cache)],
        "rules_skip_text_look": [(RulePolicy, "_find_action_from_rules", _find_action_from_rules_skipping_text)],
        "kept_action_session": [(EndpointConfig, "session", _kept_session)],
        "model_load_by_prediction": [(RasaModel, "load", classmethod(_load_model_without_a_training_step))],
        "graph_in_order": [(DaskGraphRunner, "run", _run_graph_in_order)],
        "empty_domain_once": [(Domain, "is_empty", _domain_is_empty)],
    }


# The global through which each patch's wrapper calls Rasa's own function.
_ORIGINALS = {"event_class_lookup": "_original_all_subclasses", "nlu_cache": "_original_parse",
              "rule_match_memo": "_original_possible_keys", "rules_skip_text_look": "_original_find_action_from_rules",
              "kept_action_session": "_original_session", "model_load_by_prediction": "_original_model_load",
              "graph_in_order": "_original_graph_run", "empty_domain_once": "_original_is_empty"}
# What install() replaced, to put Rasa's own back: (owner, attribute, original).
_installed: List[Tuple[Any, str, Any]] = []


def install(off: Iterable[str] = ()) -> List[str]:
    """Install every patch but those named in `off`; returns the names installed. Refuses (PatchError) a Rasa
    other than SUPPORTED_RASA and names it does not know. Installing again first removes what is in."""
    import rasa

    if rasa.__version__ != SUPPORTED_RASA:
        raise PatchError(f"bot/serving.py patches Rasa {SUPPORTED_RASA}, not {rasa.__version__}: run with "
                         "QN_RASA_PATCHES_OFF=all, or check each patch against the new version first")
    patches = _patches()
    off = set(patches) if "all" in set(off) else set(off)
    unknown = off - set(patches)
    if unknown:
        raise PatchError(f"unknown Rasa patch(es) {', '.join(sorted(unknown))}; known: {', '.join(patches)}")
    uninstall()
    # The wrappers call Rasa's own functions through these module globals (Rasa's, as uninstall() left them).
    for name, global_name in _ORIGINALS.items():
        [(owner, attribute, _)] = patches[name]
        globals()[global_name] = owner.__dict__[attribute]
    chosen = [name for name in patches if name not in off]
    for name in chosen:
        for owner, attribute, replacement in patches[name]:
            _installed.append((owner, attribute, owner.__dict__[attribute]))
            setattr(owner, attribute, replacement)
    _one_tensorflow_thread_unless_set()
    logger.debug("Rasa patches installed: %s", ", ".join(chosen) or "none")
    return chosen


def uninstall() -> None:
    """Put back every function install() replaced (tests switch the patches on and off with it)."""
    while _installed:
        owner, attribute, original = _installed.pop()
        setattr(owner, attribute, original)
