"""Speed-ups of Rasa's own serving path, found by bench/profile_turn.py. Each keeps Rasa's behaviour.

The one place where this project changes Rasa. Nothing here happens on import: the launcher (`python -m
bot.launch run|test|shell ...`, used by the scripts, the tests and the benches) calls install(), which checks
Rasa's version, installs the patches by name (each can be switched off with QN_RASA_PATCHES_OFF, so the bench can
measure what each one is worth), and uninstall() puts Rasa's own functions back.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import logging
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
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
        from bot.knowledge.watcher import knowledge_snapshot

        return knowledge_snapshot(self.database_url).version

    def lookup(self, text: str, only_output_properties: bool) -> Dict[str, Any] | None:
        """A copy of the text's analysis, if it was made with the current knowledge version's names."""
        from bot.nlu import gazetteer

        key = (text, only_output_properties)
        hit = self.entries.get(key)
        # An analysis the gazetteer took no part in (NOT_RUN) holds for every knowledge version.
        if hit is None or (hit[0] is not gazetteer.NOT_RUN and hit[0] != self.knowledge_version()):
            return None
        self.entries.move_to_end(key)
        return copy.deepcopy(hit[1])

    def keep(self, text: str, only_output_properties: bool, version_used: Any, parsed: Dict[str, Any]) -> None:
        key = (text, only_output_properties)
        self.entries[key] = (version_used, copy.deepcopy(parsed))
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


def _nlu_cache(processor: Any) -> _NluCache | None:
    """The processor's NLU cache; None if QN_NLU_CACHE_ENTRIES is 0."""
    cache = processor.__dict__.get("_qn_nlu_cache")
    if cache is None:
        from bot.settings import current_settings

        settings = current_settings()
        cache = processor.__dict__["_qn_nlu_cache"] = _NluCache(settings.nlu_cache_entries, settings.database_url)
    return cache if cache.size > 0 else None


def _parse_with_cache(self: Any, message: Any, tracker: Any, only_output_properties: bool = True) -> Dict[str, Any]:
    """NLU depends on the text and on the knowledge base's names (the gazetteer), nothing else: a text seen
    before ("xin chào", "xem thêm", a button's payload) is not analysed again while the knowledge version
    stays the one its analysis used. The version is the knowledge watcher's, which the gazetteer reads too, so a
    staff load reaches the analyses as fast as it did without the cache. Least recently used texts go first
    beyond QN_NLU_CACHE_ENTRIES (0: off). The cache lives on the processor: a new model starts empty."""
    from bot.nlu import gazetteer

    cache = _nlu_cache(self)
    if cache is None:
        return _original_parse(self, message, tracker, only_output_properties)
    hit = cache.lookup(message.text, only_output_properties)
    if hit is not None:
        return hit
    gazetteer.last_version_used = gazetteer.NOT_RUN
    parsed = _original_parse(self, message, tracker, only_output_properties)
    cache.keep(message.text, only_output_properties, gazetteer.last_version_used, parsed)
    return parsed


# nlu_batch: the texts waiting to be analysed at the same moment are analysed together.

_original_parse_message: Any = None
_original_diet_process: Any = None


def _parse_together(processor: Any, items: List[Tuple[Any, Any, bool]]) -> List[Tuple[Any, BaseException | None]]:
    """Analyse the messages ((message, tracker, only_output_properties)): (parse data, None) or (None, error) for
    each. Those the NLU cache does not answer go through one run of the NLU graph (no node of which reads the
    tracker), which DIET then classifies as one batch (_diet_process_in_one_batch); one alone goes Rasa's way. If
    the batch's run fails, each message is analysed alone, so that one bad message fails only its own turn."""
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT

    from bot.nlu import gazetteer

    cache = _nlu_cache(processor) if _nlu_cache_installed() else None
    outcomes: List[Tuple[Any, BaseException | None]] = [(None, None)] * len(items)
    pending = []
    for index, (message, tracker, only) in enumerate(items):
        hit = cache.lookup(message.text, only) if cache is not None else None
        if hit is not None:
            outcomes[index] = (hit, None)
        else:
            pending.append(index)
    if len(pending) > 1 and len({items[index][2] for index in pending}) == 1:
        try:
            gazetteer.last_version_used = gazetteer.NOT_RUN
            target = processor.model_metadata.nlu_target
            results = processor.graph_runner.run(
                inputs={PLACEHOLDER_MESSAGE: [items[index][0] for index in pending],
                        PLACEHOLDER_TRACKER: items[pending[0]][1]}, targets=[target])[target]
            version_used = gazetteer.last_version_used
        except Exception:  # each alone, below
            logger.debug("nlu_batch: the batch's analysis failed; each message is analysed alone", exc_info=True)
        else:
            for index, parsed_message in zip(pending, results, strict=True):
                message, _, only = items[index]
                parse_data = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, ENTITIES: []}
                parse_data.update(parsed_message.as_dict(only_output_properties=only))  # as _parse_message_with_graph
                if cache is not None:
                    cache.keep(message.text, only, version_used, parse_data)
                outcomes[index] = (parse_data, None)
            return outcomes
    for index in pending:
        message, tracker, only = items[index]
        try:
            outcomes[index] = (processor._parse_message_with_graph(message, tracker, only), None)
        except Exception as error:
            outcomes[index] = (None, error)
    return outcomes


def _nlu_cache_installed() -> bool:
    from rasa.core.processor import MessageProcessor

    return MessageProcessor.__dict__.get("_parse_message_with_graph") is _parse_with_cache


@dataclass
class _Analyses:
    """A processor's messages waiting for their analysis, and the one thread that analyses them."""

    executor: Any
    waiting: List[Tuple[Any, Any, bool, Any]] = dataclasses.field(default_factory=list)
    busy: bool = False
    coming: int = 0  # turns inside Rasa that have not reached their analysis yet (reading their tracker, say)
    wait_seconds: float = 0.0  # how long a batch may wait for them (QN_NLU_BATCH_WAIT_MS)


def _analyses_of(processor: Any) -> _Analyses:
    analyses = processor.__dict__.get("_qn_analyses")
    if analyses is None:
        from concurrent.futures import ThreadPoolExecutor

        from bot.settings import current_settings

        analyses = processor.__dict__["_qn_analyses"] = _Analyses(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="qn-nlu"),
            wait_seconds=current_settings().nlu_batch_wait_ms / 1000)
    return analyses


# The analyses this turn is on its way to (set while a message is logged, until it reaches its analysis).
_on_its_way: ContextVar[_Analyses | None] = ContextVar("qn_on_its_way", default=None)


def _reached_analysis() -> None:
    analyses = _on_its_way.get()
    if analyses is not None:
        analyses.coming -= 1
        _on_its_way.set(None)


_original_log_message: Any = None


async def _log_message_counted(self: Any, message: Any, should_save_tracker: bool = True) -> Any:
    """Rasa's log_message (which reads the tracker, then analyses the message), counting the turns on their way
    to their analysis, so that a batch can wait a moment for them (QN_NLU_BATCH_WAIT_MS)."""
    analyses = _analyses_of(self)
    analyses.coming += 1
    token = _on_its_way.set(analyses)
    try:
        return await _original_log_message(self, message, should_save_tracker)
    finally:
        _reached_analysis()
        _on_its_way.reset(token)


async def _analyse_waiting(analyses: _Analyses, processor: Any) -> None:
    """Analyse what waits, batch after batch, in the analysis thread, until nothing waits: the messages that
    arrive while a batch is analysed form the next one."""
    import asyncio

    analyses.busy = True
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(0)  # the turns due now reach their analysis and join
        while analyses.waiting:
            if analyses.wait_seconds and analyses.coming > 0:
                # Other turns are a few milliseconds from their analysis (reading their trackers): DIET costs
                # about as much for four texts as for one, so the batch waits for them, a moment at most.
                deadline = loop.time() + analyses.wait_seconds
                while analyses.coming > 0 and loop.time() < deadline:
                    await asyncio.sleep(0.0005)
            waiting, analyses.waiting = analyses.waiting, []
            try:
                items = [(message, tracker, only) for message, tracker, only, _ in waiting]
                outcomes = await loop.run_in_executor(analyses.executor, _parse_together, processor, items)
            except asyncio.CancelledError:
                for *_, future in waiting:
                    future.cancel()
                raise
            for (*_, future), (result, error) in zip(waiting, outcomes, strict=True):
                if not future.done():
                    future.set_exception(error) if error is not None else future.set_result(result)
    finally:
        analyses.busy = False


async def _parse_message_in_batches(self: Any, message: Any, tracker: Any = None,
                                    only_output_properties: bool = True) -> Dict[str, Any]:
    """Rasa's parse_message, with the analysis made in a thread of its own, together with the other messages
    waiting for theirs. Rasa runs the NLU graph on the event loop, for each message alone; DIET's TensorFlow call
    costs almost the same for one text as for four (2.7 ms a text in fours against 11.9 alone), and TensorFlow
    leaves Python's lock while it computes, so the event loop meanwhile goes on with the other turns (their
    predictions, actions, stores) on the second core. A message alone is analysed at once, unless other turns are
    a few milliseconds from their analysis (reading their trackers): then the batch waits for them, at most
    QN_NLU_BATCH_WAIT_MS (3). With QN_CONCURRENT_TURNS 8, bench/serve.py at 20 users with every text new: 14-54%
    more messages a second than 4 turns without the wait, in the same rounds, Rasa's CPU a message 9-16% lower.
    A text the NLU cache knows is answered on the event loop."""
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    if self.http_interpreter:
        return await _original_parse_message(self, message, tracker, only_output_properties)
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    _reached_analysis()
    cache = _nlu_cache(self) if _nlu_cache_installed() else None
    known = cache.lookup(message.text, only_output_properties) if cache is not None else None
    if known is not None:  # a text seen before: answered here, without the trip to the analysis thread
        return _rest_of_parse_message(self, known)
    analyses = _analyses_of(self)
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    analyses.waiting.append((message, tracker, only_output_properties, future))
    if not analyses.busy:
        task = loop.create_task(_analyse_waiting(analyses, self))
        self.__dict__.setdefault("_qn_analysis_tasks", set()).add(task)  # kept until done
        task.add_done_callback(self.__dict__["_qn_analysis_tasks"].discard)
    return _rest_of_parse_message(self, await future)


def _rest_of_parse_message(processor: Any, parse_data: Dict[str, Any]) -> Dict[str, Any]:
    """What Rasa's parse_message does with the analysis."""
    import rasa.core.processor

    processor._update_full_retrieval_intent(parse_data)
    rasa.core.processor.structlogger.debug(
        "processor.message.parse", parse_data_text=copy.deepcopy(parse_data["text"]),
        parse_data_intent=parse_data["intent"], parse_data_entities=copy.deepcopy(parse_data["entities"]))
    processor._check_for_unseen_features(parse_data)
    return parse_data


def _diet_process_in_one_batch(self: Any, messages: List[Any]) -> List[Any]:
    """DIETClassifier.process, with the messages' intents predicted in one TensorFlow call instead of one each.
    The batch is padded to its longest text, and DIET masks padding, so each text's scores are its own (they
    differ from one-by-one scores in float32 rounding only: at most 2e-7 on the held-out texts; tested).
    Entity recognition and diagnostic data keep Rasa's one-by-one way."""
    from rasa.nlu.classifiers.diet_classifier import ENTITY_RECOGNITION, INTENT_CLASSIFICATION
    from rasa.shared.nlu.constants import INTENT

    if len(messages) <= 1 or self.model is None or self.component_config[ENTITY_RECOGNITION] \
            or not self.component_config[INTENT_CLASSIFICATION] or self._execution_context.should_add_diagnostic_data:
        return _original_diet_process(self, messages)
    model_data = self._create_model_data(messages, training=False)
    if model_data.is_empty() or model_data.number_of_examples() != len(messages):
        return _original_diet_process(self, messages)
    scores = self.model.run_inference(model_data, batch_size=len(messages))["i_scores"]
    for message, message_scores in zip(messages, scores, strict=True):
        label, label_ranking = self._predict_label({"i_scores": message_scores[None]})
        message.set(INTENT, label, add_to_output=True)
        message.set("intent_ranking", label_ranking, add_to_output=True)
    return messages


_original_states_for_history: Any = None


@dataclass
class _StatesSoFar:
    """What Domain.states_for_tracker_history worked out for one tracker, to go on from at its next call."""

    domain: Any
    omit_unset_slots: bool
    ids: List[int] = dataclasses.field(default_factory=list)  # id() of each applied event replayed so far
    events: List[Any] = dataclasses.field(default_factory=list)  # those events (so that no other takes an id)
    replay: Any = None  # a tracker after them
    # Before each ActionExecuted among them: the state without its user part, and the latest message then.
    points: List[Tuple[Dict[str, Any], Any]] = dataclasses.field(default_factory=list)


class _LatestMessage:
    """What Domain._get_user_sub_state reads of a tracker."""

    __slots__ = ("latest_message",)

    def __init__(self, latest_message: Any):
        self.latest_message = latest_message


def _state_without_user(domain: Any, tracker: Any, omit_unset_slots: bool) -> Dict[str, Any]:
    """Domain.get_active_state's state, but for its user part (Rasa 3.6.21's code, the same order)."""
    from rasa.shared.core.constants import ACTIVE_LOOP, PREVIOUS_ACTION, SLOTS

    return domain._clean_state({SLOTS: domain._get_slots_sub_state(tracker, omit_unset_slots=omit_unset_slots),
                                PREVIOUS_ACTION: domain._get_prev_action_sub_state(tracker),
                                ACTIVE_LOOP: domain._get_active_loop_sub_state(tracker)})


def _states_carried_on(self: Any, tracker: Any, omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                       rule_only_data: Dict[str, Any] | None = None) -> List[Dict[str, Any]]:
    """Domain.states_for_tracker_history (RulePolicy's states, asked two to four times a message: 5% of the Rasa
    process's GIL samples at 20 users), going on from where the same tracker's last call stopped: Rasa replays
    every applied event from the first and builds a state before each action each time. A state depends on the
    tracker as it was at that point, except its user part, which Rasa reads from the latest message *object*,
    which later events change (the featurization a prediction chose, entities added): so the rest of each state
    is kept and the user part is read again at every call. When the applied events are no longer those replayed
    plus new ones (a form folding its runs, a revert, a restart), another domain asks, or rule-only turns are to
    be left out (ML policies), Rasa's own. Each call returns new dicts, as Rasa's does (callers edit them)."""
    from rasa.shared.core.constants import USER
    from rasa.shared.core.events import ActionExecuted

    if ignore_rule_only_turns:
        return _original_states_for_history(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    applied = tracker.applied_events()
    so_far = tracker.__dict__.get("_qn_states")
    if so_far is None or so_far.domain is not self or so_far.omit_unset_slots != omit_unset_slots \
            or len(applied) < len(so_far.ids) or any(id(event) != known for event, known in zip(applied, so_far.ids)):
        so_far = tracker.__dict__["_qn_states"] = _StatesSoFar(self, omit_unset_slots, replay=tracker.init_copy())
    replay = so_far.replay
    for event in applied[len(so_far.ids):]:
        if isinstance(event, ActionExecuted):
            so_far.points.append((_state_without_user(self, replay, omit_unset_slots), replay.latest_message))
        replay.update(event)
        so_far.ids.append(id(event))
        so_far.events.append(event)
    users: Dict[int, Dict[str, Any]] = {}
    states = []
    for rest, message in [*so_far.points, (_state_without_user(self, replay, omit_unset_slots),
                                           replay.latest_message)]:
        user = users.get(id(message))
        if user is None:
            user = users[id(message)] = self._get_user_sub_state(_LatestMessage(message))
        state: Dict[str, Any] = {USER: dict(user)} if user else {}
        state.update((part, dict(value) if isinstance(value, dict) else value) for part, value in rest.items())
        states.append(state)
    return states


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
    bounds each call instead: the action fails, and the channel's guard apologises.

    Each call sends the conversation's state as JSON: ujson (Sanic's own, already installed) writes it in a third
    of json.dumps' time, the same JSON but for spaces and an escaped "/" (at 20 users, json.dumps of these calls
    was 7% of the Rasa server's main thread)."""
    import asyncio

    import aiohttp
    import ujson
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _original_session(self)
    kept = self.__dict__.get("_qn_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
            if self.basic_auth else None
        session = aiohttp.ClientSession(headers=self.headers, auth=auth, json_serialize=ujson.dumps,
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
    the trained values instead. Fine-tuning, or a model loaded without an example to predict on, keeps Rasa's way.

    That prediction traces the prediction graph, and Rasa's tf.function first rewrites every function the graph
    calls with AutoGraph (parsing and transforming their source): 7 of the 10 s the load took on session 13's
    machine. Prediction has no Python control flow over tensors (Rasa's branches are on its configuration), so
    the graph is traced with `autograph=False`: the same graph's outputs, tested on the held-out texts against
    Rasa's own loading; the load took 5.7 s against 12.8 s."""
    def rasas_way() -> Any:
        return _original_model_load.__func__(cls, model_file_name, model_data_example, predict_data_example,
                                             finetune_mode, *args, **kwargs)

    if finetune_mode or not predict_data_example:
        return rasas_way()
    model = cls(*args, **kwargs)
    restored = model.load_weights(model_file_name)
    _trace_prediction_without_autograph(model, predict_data_example)
    try:
        model.run_inference(predict_data_example)  # creates the variables, filled from the checkpoint
    except (TypeError, ValueError, NotImplementedError) as error:
        # A model whose prediction has Python control flow over tensors (not DIET's) needs AutoGraph: Rasa's way.
        logger.warning("model prediction not traced without AutoGraph (%s); loading it Rasa's way", error)
        return rasas_way()
    try:
        restored.assert_existing_objects_matched()  # every weight the model has came from the file
    except AssertionError:
        logger.warning("model weights did not all restore on prediction; loading it Rasa's way")
        return rasas_way()
    restored.expect_partial()  # the optimizer's state in the file is not needed to predict
    return model


def _trace_prediction_without_autograph(model: Any, predict_data_example: Any) -> None:
    """Give the model the tf.function `RasaModel._rasa_predict` would make at its first call, with the same input
    signature (from the example's first batch, as run_inference makes it), but without AutoGraph."""
    import tensorflow as tf
    from rasa.utils.train_utils import create_data_generators

    generator, _ = create_data_generators(model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False)
    batch_in = next(iter(generator))[0]
    model._tf_predict_step = tf.function(model.predict_step, input_signature=model._dynamic_signature(batch_in),
                                         autograph=False)


_original_rasa_predict: Any = None


def _predict_through_the_traced_graph(self: Any, batch_in: Any) -> Dict[str, Any]:
    """RasaModel._rasa_predict calls its tf.function, whose fixed input signature allows one graph only; each call
    then works out again which graph that is and checks the inputs against the signature in Python (1.5 ms a
    call). After the first call has traced the graph, the inputs are converted to the signature's types and the
    graph is called directly: the same graph, so the same outputs (tested on the held-out texts). Inputs of other
    types or numbers than the signature's, which the tf.function refuses rather than casts, and a failing direct
    call go the tf.function's way."""
    step = getattr(self, "_tf_predict_step", None)
    if step is None or self._run_eagerly or not self.prepared_for_prediction:
        return _original_rasa_predict(self, batch_in)
    traced = self.__dict__.get("_qn_traced")
    if traced is None or traced[0] is not step:
        graph = step.get_concrete_function()
        traced = self.__dict__["_qn_traced"] = (step, graph, [spec.dtype for spec in
                                                              graph.structured_input_signature[0][0]])
    import tensorflow as tf
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA

    graph, dtypes = traced[1], traced[2]
    if len(batch_in) != len(dtypes) or any(getattr(value, "dtype", None) != dtype.as_numpy_dtype
                                           for value, dtype in zip(batch_in, dtypes)):
        return _original_rasa_predict(self, batch_in)
    if getattr(self, "_training", None) is not False:  # as Rasa's _rasa_predict sets it, once: Keras's setattr
        self._training = False  # tracks what it is given (0.6% of the GIL samples at 20 users when set every call)
    try:
        result = graph._call_flat([tf.convert_to_tensor(value) for value in batch_in], graph.captured_inputs)
    except (TypeError, ValueError, tf.errors.OpError):
        logger.debug("traced_graph_called_directly: the direct call failed; the tf.function's call", exc_info=True)
        return _original_rasa_predict(self, batch_in)
    outputs: Dict[str, Any] = tf_utils.sync_to_numpy_or_python_type(result)
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


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


_original_combine_features: Any = None


def _combine_features_at_once(features: List[Any], featurizers: List[str]) -> Any:
    """Message._combine_features, for the three count-vector featurizers' sparse matrices: Rasa deep-copies the
    first and joins each other one to it in turn with scipy's `hstack`, its general block assembly (0.5-0.6 ms a
    call; joined two at a time directly, session 13-14, still 3% of the Rasa process's GIL samples at 20 users).
    Here they are joined into one matrix at once, the one Rasa's chain builds: the entries in order, each block's
    columns shifted by the widths before it, the value and index types `hstack` chooses (tested against Rasa's own
    chain on generated matrices). Anything but two or more COO matrices with as many rows goes Rasa's way."""
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix
    from scipy.sparse._sputils import get_index_dtype, upcast

    matrices = [feature.features for feature in features]
    if len(matrices) < 2 or any(type(matrix) is not coo_matrix for matrix in matrices) \
            or len({matrix.shape[0] for matrix in matrices}) != 1:
        return _original_combine_features(features, featurizers)
    offsets = [0]
    for matrix in matrices:
        offsets.append(offsets[-1] + matrix.shape[1])
    shape = (matrices[0].shape[0], offsets[-1])
    index_dtype = get_index_dtype(maxval=max(shape))
    data = np.concatenate([matrix.data for matrix in matrices]).astype(upcast(*(m.dtype for m in matrices)),
                                                                       copy=False)
    rows = np.concatenate([matrix.row for matrix in matrices]).astype(index_dtype, copy=False)
    columns = np.concatenate([matrix.col.astype(index_dtype) + offset for matrix, offset in zip(matrices, offsets)])
    first = features[0]
    return Features(coo_matrix((data, (rows, columns.astype(index_dtype, copy=False))), shape=shape), first.type,
                    first.attribute, featurizers)


_original_count_vectors_process: Any = None


def _count_vectors_in_one_batch(self: Any, messages: List[Any]) -> List[Any]:
    """Rasa's CountVectorsFeaturizer.process, for the texts nlu_batch analyses together: Rasa asks scikit-learn's
    vectorizer twice per text and attribute (its tokens, then the whole text), and each call's checks and matrix
    building cost more than the counting (bench/sample_serve.py --gil: the three featurizers 8.6% of the busy
    samples at 20 users). Here each attribute's tokens of every text go through one call and the whole texts
    through another; each text then gets the rows of its own tokens as the same COO matrices Rasa's
    `_create_features` builds (the vectorizer counts each row alone, so a row does not depend on its neighbours;
    tests/test_serving.py compares every matrix). One text, or no trained vectorizer, goes Rasa's way."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

    if self.vectorizers is None or len(messages) < 2:
        return _original_count_vectors_process(self, messages)
    for attribute in self._attributes:
        tokens_of = [self._get_processed_message_tokens_by_attribute(message, attribute) for message in messages]
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer:
            continue  # Rasa's _create_features gives no features then
        featurised = [i for i, tokens in enumerate(tokens_of) if tokens]
        if not featurised:
            continue
        tokens_matrix = vectorizer.transform([token for i in featurised for token in tokens_of[i]])
        texts_matrix = (vectorizer.transform([" ".join(tokens_of[i]) for i in featurised])
                        if attribute in DENSE_FEATURIZABLE_ATTRIBUTES else None)
        first = 0
        for row, i in enumerate(featurised):
            last = first + len(tokens_of[i])
            self.add_features_to_message(_rows_as_coo(tokens_matrix, first, last),
                                         _rows_as_coo(texts_matrix, row, row + 1) if texts_matrix is not None
                                         else None, attribute, messages[i])
            first = last
    return messages


def _rows_as_coo(matrix: Any, first: int, last: int) -> Any:
    """Rows first..last-1 of a CSR matrix with sorted indices, as `matrix[first:last].tocoo()` gives them (a copy:
    the row of each entry expanded from the row pointers, the columns and values in order, the same types)."""
    import numpy as np
    from scipy.sparse import coo_matrix

    pointers = matrix.indptr[first:last + 1]
    start, end = pointers[0], pointers[-1]
    rows = np.repeat(np.arange(last - first, dtype=matrix.indices.dtype), np.diff(pointers))
    return coo_matrix((matrix.data[start:end], (rows, matrix.indices[start:end])),
                      shape=(last - first, matrix.shape[1]), copy=True, dtype=matrix.dtype)


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


# bounded_history: a turn reads the conversation's recent turns, not its whole history.

HISTORY_TURNS = 4  # user turns a conversation's window keeps when it is cut; it is cut when it holds twice as many
HISTORY_CONVERSATIONS = 2000  # conversations whose window is remembered, least recently used out
KEPT_TRACKERS = 200  # of those, the most recently active whose last turn's tracker is kept whole (see _Window)
APPLIED_USER_TURNS = 3  # user turns still in effect after a cut: a revert ("/back" undoes two) stays inside
# SQL tracker stores whose reads go through `_event_query` and whose writes take `_additional_events`, as Rasa's
# own does: a bounded read and a turn's write then go through the store's own code (tests/serving checks each).
BOUNDED_SQL_STORES = ("rasa.core.tracker_store.SQLTrackerStore", "bot.conversations.store.MaskingSQLTrackerStore")
_original_handle_message: Any = None
_original_get_tracker: Any = None
_original_save_tracker: Any = None
_original_event_query: Any = None
_original_additional_events: Any = None


@dataclass
class _Window:
    """The recent part of one conversation: the events that set the slots as they stood at the cut, then every
    event since the cut (all of the session until the first cut). Rasa's in-memory store: the events as the JSON
    the store holds (`texts`) and the store's text they were written with (`stored`). SQL stores: which rows
    (`prefix_rows`, then every row from `first_row` on), the last row written (`stored`) and, where the store
    builds trackers from rows (`tracker_of`), each of those rows' data in order (`texts`; None: not known)."""

    stored: Any
    texts: List[str] | None = dataclasses.field(default_factory=list)
    prefix_rows: List[int] = dataclasses.field(default_factory=list)
    first_row: int = 0
    retry_at: int = 0  # user turns at which a cut that could not be made is tried again
    # The tracker the last turn left, where the window's rows hold exactly its events (the store masked nothing in
    # them): the next message goes on from it instead of building it again from the rows. Taken by that message.
    tracker: Any = None


@dataclass
class _Turns:
    """What bounded_history knows while one message is handled (a ContextVar: this message's task only)."""

    opened: Dict[int, Tuple[Any, int, _Window | None]] = dataclasses.field(default_factory=dict)  # by id(tracker):
    # the tracker, the events it held when read (the rest are the turn's own), its window (None: read whole)
    reads: Dict[str, Tuple[List[int], int]] = dataclasses.field(default_factory=dict)  # sender: rows a read takes


_turns: ContextVar[_Turns | None] = ContextVar("qn_bounded_history", default=None)


def _user_turns(events: Iterable[Any]) -> int:
    from rasa.shared.core.events import UserUttered

    return sum(isinstance(event, UserUttered) for event in events)


def _loops_closed(applied: List[Any], loop_names: Set[str]) -> bool:
    """Whether every run of a loop (form) in `applied` was followed by a deactivation: Rasa's applied_events folds a
    later run of a loop back onto an earlier one still open, which a cut would hide."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop

    open_loop = False
    for event in applied:
        if isinstance(event, ActionExecuted) and event.action_name in loop_names:
            open_loop = True
        elif isinstance(event, ActiveLoop) and event.name is None:
            open_loop = False
    return not open_loop


def _summary(tracker: Any) -> Tuple[Any, ...]:
    """Everything of a tracker's state that is not its list of events."""
    return ({name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
            dataclasses.asdict(tracker.active_loop) if tracker.active_loop else None,
            id(tracker.latest_message), tracker.latest_action, id(tracker.latest_bot_utterance),
            tracker.followup_action, tracker.is_paused())


def _slot_setters(applied: List[Any], index_of: Dict[int, int]) -> Dict[str, int]:
    """For each slot, the index of the SlotSet event in effect last (after the last AllSlotsReset)."""
    from rasa.shared.core.events import AllSlotsReset, SlotSet

    setters: Dict[str, int] = {}
    for event in applied:
        if isinstance(event, AllSlotsReset):
            setters.clear()
        elif isinstance(event, SlotSet):
            setters[event.key] = index_of[id(event)]
    return setters


def _as_get_tracker_gives(processor: Any, tracker: Any) -> Any:
    """A tracker built from a window, with the model's ids set as MessageProcessor.get_tracker sets them."""
    tracker.model_id = processor.model_metadata.model_id
    if tracker.assistant_id is None:
        tracker.assistant_id = processor.model_metadata.assistant_id
    return tracker


class _RecentHistory:
    """The recent turns of the conversations one model's processor serves.

    Rasa reads a conversation's whole session from the tracker store at every message (its in-memory store parses
    the whole text, its SQL store reads every row since the session started), rebuilds the tracker event by event,
    and then walks every event again: to copy the tracker before each action, to send it to the action server, to
    build RulePolicy's states turn by turn from the first. Yet only the last few states decide a prediction (no
    rule is longer than `lookback` states), and a custom action, a form or a revert looks back to the latest user
    message at most. So each conversation has a window: its recent turns, preceded by the events that set its slots
    as they stood before them. A message is handled on the window; the turn's new events are added to the store
    (the store keeps the whole conversation, written as Rasa writes it); and once the window holds 2 x
    HISTORY_TURNS user turns it is cut back to HISTORY_TURNS, at a turn's start with no form active, if a check
    shows that the cut tracker has the same state, the same events in effect and the same last `lookback` + 1
    states as the uncut one. If the store changed behind the window (another process, Rasa's HTTP API, a new
    session), the next message reads the conversation Rasa's own way."""

    def __init__(self, store: Any, lookback: int):
        from rasa.core.tracker_store import SQLTrackerStore

        self.store, self.lookback, self.sql = store, lookback, isinstance(store, SQLTrackerStore)
        self.windows: OrderedDict[str, _Window] = OrderedDict()
        self.kept: OrderedDict[str, None] = OrderedDict()  # conversations whose window holds a tracker, oldest first
        self._last_row_query: Any = None

    def _last_row(self, sender_id: str) -> Any:
        import sqlalchemy as sa

        if self._last_row_query is None:  # built once: building it cost as much as the read
            events = self.store.SQLEvent.__table__
            self._last_row_query = sa.select(sa.func.max(events.c.id)).where(
                events.c.sender_id == sa.bindparam("sender_id"))
        with self.store.engine.connect() as connection:
            return connection.execute(self._last_row_query, {"sender_id": sender_id}).scalar()

    def _texts_after_save(self, sender_id: str, window: _Window, added: List[Any]) -> List[str] | None:
        """The window's rows' data after this turn's save of the events `added`: the rows it held, then the rows the
        save says it wrote (None where either is not known)."""
        if window.texts is None:
            return None
        written: List[str] = []
        if added:
            told = getattr(self.store, "last_save", None)
            saved = told(sender_id) if told is not None else None
            if saved is None or len(saved.data) != len(added):
                return None
            written = saved.data
        texts = [*window.texts, *written]
        if any(event.type_name == "session_started" for event in added):
            # As SQLTrackerStore._event_query reads a session: the rows stamped at or after its latest start.
            rows = [json.loads(text) for text in texts]
            start = max(row["timestamp"] for row in rows if row.get("event") == "session_started")
            texts = [text for text, row in zip(texts, rows) if row.get("timestamp") is not None
                     and row["timestamp"] >= start]
        return texts

    def _saved_row(self, sender_id: str) -> Any:
        """The conversation's last row after this turn's save: as the store says it wrote it, where it says so
        (bot/conversations/store.py's `last_save`: the turn holds the conversation's lock, so its last row is the
        conversation's), else as the database says."""
        told = getattr(self.store, "last_save", None)
        saved = told(sender_id) if told is not None else None
        return saved.last_row if saved is not None else self._last_row(sender_id)

    def _rows(self, sender_id: str) -> List[Tuple[int, str]]:
        """The id and data of each row a read of the conversation takes (bounded if this message's read is)."""
        with self.store.session_scope() as session:
            query = self.store._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            return [(row_id, data) for row_id, data in
                    query.with_entities(self.store.SQLEvent.id, self.store.SQLEvent.data).all()]

    def _from_rows(self, processor: Any, sender_id: str, window: _Window) -> Any:
        """The conversation's tracker built from the window's rows as last written, without reading them back
        (the store's `tracker_of`, as its own read builds it); None where they are not known."""
        tracker_of = getattr(self.store, "tracker_of", None)
        if tracker_of is None or not window.texts:
            return None
        try:
            tracker = tracker_of(sender_id, window.texts)
        except Exception:  # the store's own read, which follows, meets the trouble and reports it
            logger.debug("bounded_history: the window's rows of %s make no tracker", sender_id, exc_info=True)
            return None
        return _as_get_tracker_gives(processor, tracker) if tracker is not None else None

    def build(self, sender_id: str, events: List[Any]) -> Any:
        """A tracker of these events, built as the store builds the one it returns."""
        from rasa.shared.core.conversation import Dialogue
        from rasa.shared.core.trackers import DialogueStateTracker

        if self.sql:  # SQLTrackerStore._retrieve: DialogueStateTracker.from_dict, each event applied in turn
            return DialogueStateTracker.from_events(sender_id, events, self.store.domain.slots)
        tracker = self.store.init_tracker(sender_id)  # InMemoryTrackerStore.deserialise_tracker
        tracker.recreate_from_dialogue(Dialogue(sender_id, events))
        return tracker

    def _current(self, sender_id: str, window: _Window) -> bool:
        try:
            if self.sql:
                return bool(self._last_row(sender_id) == window.stored)
            return self.store.store.get(sender_id) is window.stored
        except Exception:  # Rasa's own read, which follows, meets the store's trouble and reports it
            return False

    async def open(self, processor: Any, sender_id: str, turns: _Turns) -> Any:
        """The conversation's tracker for a new message: its window if the store still holds what the window was
        written with, else Rasa's own (whole) tracker."""
        import rasa.shared.core.events

        window = self.windows.pop(sender_id, None)
        tracker = None
        if window is not None and self._current(sender_id, window):
            self.windows[sender_id] = window
            if self.sql:  # the last turn's tracker, else the window's rows as written, else the store's read
                turns.reads[sender_id] = (window.prefix_rows, window.first_row)
                tracker, window.tracker = window.tracker, None
                self.kept.pop(sender_id, None)
                if tracker is None:
                    tracker = self._from_rows(processor, sender_id, window)
                if tracker is None:
                    tracker = await _original_get_tracker(processor, sender_id)
            else:
                texts = window.texts or []
                events = rasa.shared.core.events.deserialise_events([json.loads(text) for text in texts])
                if len(events) == len(texts):
                    tracker = _as_get_tracker_gives(processor, self.build(sender_id, events))
        if tracker is None:
            turns.reads.pop(sender_id, None)
            window = None
            tracker = await _original_get_tracker(processor, sender_id)
            if self.sql and not tracker.events:
                # Nothing stored yet (Rasa's read finds the latest session's rows, if there are any): all the rows
                # the conversation will have make its window, read from the first (the turn's own are counted
                # from the tracker, not the store, and no row ids are read back until a cut).
                window = _Window(None)
        turns.opened[id(tracker)] = (tracker, len(tracker.events), window)
        return tracker

    async def close(self, processor: Any, tracker: Any, loaded: int, window: _Window | None) -> None:
        """Store the turn's events and keep the conversation's window for its next message."""
        sender_id = tracker.sender_id
        events = list(tracker.events)
        try:
            if self.sql:  # the store's own write, of the turn's events (_additional_events)
                await _original_save_tracker(processor, tracker)
                kept = _Window(self._saved_row(sender_id), retry_at=window.retry_at if window else 0)
                if window is not None:
                    kept.prefix_rows, kept.first_row = window.prefix_rows, window.first_row
                    kept.texts = self._texts_after_save(sender_id, window, events[loaded:])
                cut_tracker = self._keep(processor, sender_id, events, kept, held_prefix=len(kept.prefix_rows),
                                         rows=None if window is not None else self._rows(sender_id))
                self._keep_tracker(processor, sender_id, kept, cut_tracker or tracker)
            elif window is None:
                await _original_save_tracker(processor, tracker)
                self._keep(processor, sender_id, events, _Window(self.store.store.get(sender_id)))
            else:
                new_texts = [json.dumps(event.as_dict()) for event in events[loaded:]]
                stored = await self._append(sender_id, window.stored, events[loaded:], new_texts)
                self._keep(processor, sender_id, events, _Window(stored, retry_at=window.retry_at),
                           texts=[*(window.texts or []), *new_texts])
        except LookupError as error:
            self.windows.pop(sender_id, None)
            logger.debug("bounded_history: %s; the next message reads the conversation whole", error)
        except Exception:
            self.windows.pop(sender_id, None)
            raise

    async def _append(self, sender_id: str, text: str, new: List[Any], new_texts: List[str]) -> str:
        """Add the turn's events to Rasa's in-memory store, exactly as its save of the whole tracker writes them
        (json.dumps(Dialogue.as_dict()): the events, then the name), and stream them as it does."""
        if self.store.event_broker:
            await self.store._stream_new_events(self.store.event_broker, new, sender_id)
        if not new_texts:
            return text
        ending = '], "name": ' + json.dumps(sender_id) + "}"
        if not text.endswith(ending):
            raise ValueError(f"the in-memory store's text of {sender_id!r} is not Rasa's serialisation")
        head = text[: -len(ending)]
        text = head + ("" if head.endswith("[") else ", ") + ", ".join(new_texts) + ending
        self.store.store[sender_id] = text
        return text

    def _keep(self, processor: Any, sender_id: str, events: List[Any], window: _Window,
              texts: List[str | None] | None = None, rows: List[Tuple[int, str]] | None = None,
              held_prefix: int = 0) -> Any:
        """Remember the conversation's window: `events` (the tracker after the turn: the window it was read as,
        whose first `held_prefix` events are the slots' rows before its cut, then the turn's events), cut if due.
        In-memory store: `texts`, each event's JSON where known. SQL stores: `rows`, each event's row id and data,
        when the conversation was read whole (else read back, bounded, only if the window is cut). Returns the
        tracker of the window as cut (_cut's), if it was cut."""
        from rasa.shared.core.constants import ACTION_SESSION_START_NAME
        from rasa.shared.core.events import ActionExecuted

        if any(isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME
               for event in events[1:]):
            # A new session began in this turn: Rasa reads only that session from now on (and its in-memory store
            # drops the older ones at the next save), so the next message reads the conversation Rasa's way.
            self.windows.pop(sender_id, None)
            return None
        turns = _user_turns(events)
        cut = None
        if turns >= 2 * HISTORY_TURNS and turns >= window.retry_at:
            cut = self._cut(processor, sender_id, events)
            window.retry_at = 0 if cut is not None else turns + HISTORY_TURNS // 2
        start, prefix, cut_tracker = cut if cut is not None else (held_prefix, list(range(held_prefix)), None)
        if self.sql and (rows is not None or cut is not None):
            rows = rows if rows is not None else self._rows(sender_id)  # each event's row, by a bounded read
            if len(rows) != len(events):
                raise LookupError(f"{len(rows)} rows read back for {len(events)} events")
            window.prefix_rows, window.first_row = [rows[i][0] for i in prefix], rows[start][0]
            window.texts = [rows[i][1] for i in [*prefix, *range(start, len(events))]]
        elif not self.sql:
            known = texts or [None] * len(events)
            window.texts = [known[i] or json.dumps(events[i].as_dict()) for i in [*prefix, *range(start, len(events))]]
        self.windows[sender_id] = window
        self.windows.move_to_end(sender_id)
        while len(self.windows) > HISTORY_CONVERSATIONS:
            self.windows.popitem(last=False)
        return cut_tracker

    def _keep_tracker(self, processor: Any, sender_id: str, window: _Window, tracker: Any) -> None:
        """Keep, for the conversation's next message, the tracker its window's rows would build (the turn's own, or
        the window's as cut); only where the rows hold its events unmasked, one for one (the store says so: no name
        or phone in them), and for the KEPT_TRACKERS most recent conversations."""
        unmasked = getattr(self.store, "rows_hold_events_unmasked", None)
        if self.windows.get(sender_id) is not window or window.texts is None or unmasked is None \
                or len(window.texts) != len(tracker.events) or not unmasked(window.texts):
            return
        window.tracker = _as_get_tracker_gives(processor, tracker)
        self.kept[sender_id] = None
        self.kept.move_to_end(sender_id)
        while len(self.kept) > KEPT_TRACKERS:
            oldest = self.windows.get(self.kept.popitem(last=False)[0])
            if oldest is not None:
                oldest.tracker = None

    def _cut(self, processor: Any, sender_id: str, events: List[Any]) -> Tuple[int, List[int], Any] | None:
        """Where to cut the window: the index of a turn's start, the indices of the SlotSet events before it
        that set the slots as they stood there, and the tracker of the window so cut; None if no turn start among
        the last few can be cut at without changing what Rasa would do. (Building the trackers compared applies
        the events again: Rasa's events change nothing but the tracker, or the latest user message in ways a second
        application repeats.)"""
        from rasa.shared.core.constants import ACTION_LISTEN_NAME
        from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered

        starts = [i for i in range(len(events) - 1) if isinstance(events[i], ActionExecuted)
                  and events[i].action_name == ACTION_LISTEN_NAME and isinstance(events[i + 1], UserUttered)]
        if len(starts) <= HISTORY_TURNS:
            return None
        index_of = {id(event): i for i, event in enumerate(events)}
        reference = self.build(sender_id, events)
        reference_ids = [id(event) for event in reference.applied_events()]
        reference_states: List[Any] | None = None
        loop_names = {event.name for event in events if isinstance(event, ActiveLoop) and event.name}
        # The turn start that keeps HISTORY_TURNS user turns, else one of the two before it.
        for start in reversed(starts[max(0, len(starts) - HISTORY_TURNS - 2):len(starts) - HISTORY_TURNS + 1]):
            before = self.build(sender_id, events[:start])
            before_applied = before.applied_events()
            if before.active_loop_name or before.is_paused() or not _loops_closed(before_applied, loop_names):
                continue
            setters = _slot_setters(before_applied, index_of)
            if any(slot.has_been_set != (name in setters)
                   or (name in setters and events[setters[name]].value != slot.value)
                   for name, slot in before.slots.items()):
                continue
            prefix = sorted(setters.values())
            candidate = self.build(sender_id, [*(events[i] for i in prefix), *events[start:]])
            applied = [id(event) for event in candidate.applied_events()]
            tail = applied[len(prefix):]
            if applied[:len(prefix)] != [id(events[i]) for i in prefix] or len(tail) > len(reference_ids) \
                    or tail != reference_ids[len(reference_ids) - len(tail):]:
                continue
            in_effect = [events[index_of[event_id]] for event_id in tail]
            if sum(isinstance(event, ActionExecuted) for event in in_effect) <= self.lookback \
                    or _user_turns(in_effect) < APPLIED_USER_TURNS or _summary(candidate) != _summary(reference):
                continue
            if reference_states is None:
                reference_states = reference.past_states(processor.domain)[-self.lookback - 1:]
            if candidate.past_states(processor.domain)[-self.lookback - 1:] != reference_states:
                continue
            return start, prefix, candidate
        return None


def _rule_lookback(processor: Any) -> int | None:
    """The most states any of the model's rules looks at, or None if the model has a policy other than RulePolicy
    (whose predictions may depend on the whole history) or none at all."""
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy

    longest: int | None = None
    for node in getattr(processor.graph_runner, "_instantiated_nodes", {}).values():
        component_class = getattr(node, "_component_class", None)
        if not (isinstance(component_class, type) and issubclass(component_class, Policy)):
            continue
        policy = getattr(node, "_component", None)
        if not issubclass(component_class, RulePolicy) or not isinstance(policy, RulePolicy):
            return None
        keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        longest = max([longest or 0, *(len(policy._rule_key_to_state(key)) for key in keys)])
    return longest


def _recent_history(processor: Any) -> _RecentHistory | None:
    """The processor's recent history, or None where a window could change what Rasa does: a model with policies
    other than RulePolicy, a tracker store other than Rasa's in-memory store and the SQL stores named in
    BOUNDED_SQL_STORES, or an anonymisation pipeline (it compares the turn with the stored tracker)."""
    if "_qn_history" not in processor.__dict__:
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.plugin import plugin_manager

        store = processor.tracker_store
        while type(store).__name__ in ("AwaitableTrackerStore", "FailSafeTrackerStore"):
            store = store._tracker_store
        kind = f"{type(store).__module__}.{type(store).__qualname__}"
        lookback = _rule_lookback(processor)
        usable = (type(store) is InMemoryTrackerStore or kind in BOUNDED_SQL_STORES) and lookback is not None \
            and plugin_manager().hook.get_anonymization_pipeline() is None
        if not usable:
            logger.info("bounded_history: the whole conversation is read at every message (store %s, policies "
                        "other than RulePolicy, or an anonymisation pipeline)", kind)
        processor.__dict__["_qn_history"] = _RecentHistory(store, lookback or 0) if usable else None
    history: _RecentHistory | None = processor.__dict__["_qn_history"]
    return history


async def _handle_message_on_recent_history(self: Any, message: Any) -> Any:
    """Rasa's handle_message, on the conversation's window: the tracker it reads and saves."""
    token = _turns.set(_Turns())
    try:
        return await _original_handle_message(self, message)
    finally:
        _turns.reset(token)


async def _get_recent_tracker(self: Any, conversation_id: str) -> Any:
    """Within handle_message, the conversation's window; anywhere else (Rasa's HTTP API), Rasa's own tracker."""
    from rasa.shared.constants import DEFAULT_SENDER_ID

    turns = _turns.get()
    history = _recent_history(self) if turns is not None else None
    if turns is None or history is None:
        return await _original_get_tracker(self, conversation_id)
    return await history.open(self, conversation_id or DEFAULT_SENDER_ID, turns)


async def _save_recent_tracker(self: Any, tracker: Any) -> None:
    turns = _turns.get()
    opened = turns.opened.get(id(tracker)) if turns is not None else None
    history = _recent_history(self) if opened is not None else None
    if turns is None or opened is None or opened[0] is not tracker or history is None:
        return await _original_save_tracker(self, tracker)
    try:
        await history.close(self, tracker, opened[1], opened[2])
    finally:
        del turns.opened[id(tracker)]


def _bounded_event_query(self: Any, session: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
    """SQLTrackerStore's query of a conversation's rows; during a message handled on its window, only the
    window's rows (the slots' rows before the cut, then every row from the cut on)."""
    import sqlalchemy as sa

    query = _original_event_query(self, session, sender_id, fetch_events_from_all_sessions)
    turns = _turns.get()
    bound = turns.reads.get(sender_id) if turns is not None and not fetch_events_from_all_sessions else None
    if bound is None:
        return query
    prefix_rows, first_row = bound
    return query.filter(sa.or_(self.SQLEvent.id >= first_row, self.SQLEvent.id.in_(prefix_rows)))


def _additional_events_of_turn(self: Any, session: Any, tracker: Any) -> Any:
    """SQLTrackerStore's events to write: for a tracker read as a window, the events its turn added (Rasa counts
    the rows of the session, which a window does not hold)."""
    import itertools

    turns = _turns.get()
    opened = turns.opened.get(id(tracker)) if turns is not None else None
    if opened is None or opened[0] is not tracker or opened[2] is None:
        return _original_additional_events(self, session, tracker)
    return itertools.islice(tracker.events, opened[1], len(tracker.events))



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
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.core.domain import Domain
    from rasa.shared.nlu.training_data.message import Message
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.tensorflow.models import RasaModel

    return {
        "action_schema_check": [(RemoteAction, "_validate_action_result", _validate_action_result)],
        "event_class_lookup": [(rasa.shared.utils.common, "all_subclasses", _all_subclasses)],
        "nlu_cache": [(MessageProcessor, "_parse_message_with_graph", _parse_with_cache)],
        "nlu_batch": [(MessageProcessor, "parse_message", _parse_message_in_batches),
                      (DIETClassifier, "process", _diet_process_in_one_batch),
                      (MessageProcessor, "log_message", _log_message_counted)],
        "rule_match_memo": [(RulePolicy, "_get_possible_keys", _possible_keys_with_cache)],
        "rule_states_carried_on": [(Domain, "states_for_tracker_history", _states_carried_on)],
        "rules_skip_text_look": [(RulePolicy, "_find_action_from_rules", _find_action_from_rules_skipping_text)],
        "kept_action_session": [(EndpointConfig, "session", _kept_session)],
        "model_load_by_prediction": [(RasaModel, "load", classmethod(_load_model_without_a_training_step))],
        "traced_graph_called_directly": [(RasaModel, "_rasa_predict", _predict_through_the_traced_graph)],
        "graph_in_order": [(DaskGraphRunner, "run", _run_graph_in_order)],
        "empty_domain_once": [(Domain, "is_empty", _domain_is_empty)],
        "count_vectors_in_one_batch": [(CountVectorsFeaturizer, "process", _count_vectors_in_one_batch)],
        "sparse_features_joined_directly": [(Message, "_combine_features", staticmethod(_combine_features_at_once))],
        "bounded_history": [(MessageProcessor, "handle_message", _handle_message_on_recent_history),
                            (MessageProcessor, "get_tracker", _get_recent_tracker),
                            (MessageProcessor, "save_tracker", _save_recent_tracker),
                            (SQLTrackerStore, "_event_query", _bounded_event_query),
                            (SQLTrackerStore, "_additional_events", _additional_events_of_turn)],
    }


# The globals through which each patch's wrappers call Rasa's own functions, one per replaced attribute.
_ORIGINALS = {"event_class_lookup": ("_original_all_subclasses",), "nlu_cache": ("_original_parse",),
              "nlu_batch": ("_original_parse_message", "_original_diet_process", "_original_log_message"),
              "rule_match_memo": ("_original_possible_keys",),
              "rule_states_carried_on": ("_original_states_for_history",),
              "rules_skip_text_look": ("_original_find_action_from_rules",),
              "kept_action_session": ("_original_session",), "model_load_by_prediction": ("_original_model_load",),
              "traced_graph_called_directly": ("_original_rasa_predict",),
              "graph_in_order": ("_original_graph_run",), "empty_domain_once": ("_original_is_empty",),
              "count_vectors_in_one_batch": ("_original_count_vectors_process",),
              "sparse_features_joined_directly": ("_original_combine_features",),
              "bounded_history": ("_original_handle_message", "_original_get_tracker", "_original_save_tracker",
                                  "_original_event_query", "_original_additional_events")}
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
    for name, global_names in _ORIGINALS.items():
        for (owner, attribute, _), global_name in zip(patches[name], global_names, strict=True):
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
