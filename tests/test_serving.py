"""bot/serving.py makes Rasa's serving path faster without changing what it accepts or finds."""
from __future__ import annotations

import contextlib
import subprocess
import sys
from typing import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PRELAUNCHED


def test_the_faster_action_response_check_accepts_and_refuses_what_rasa_does(patched_rasa):
    import rasa.shared.utils.common
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event, SlotSet
    from rasa.shared.core.slots import Slot, TextSlot


    action = RemoteAction("action_place_info", None)
    good = {"events": [{"event": "slot", "name": "place_id", "value": "yen-tu", "timestamp": None}],
            "responses": [{"text": "Yên Tử", "buttons": []}]}
    assert action._validate_action_result(good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 42}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list", "responses": []})
    # Event and slot classes are still found, from the cached walk.
    assert Event.resolve_by_type("slot") is SlotSet
    assert TextSlot in rasa.shared.utils.common.all_subclasses(Slot)


def _rasa_events() -> list:
    """One event of each kind an action server may send, as Rasa itself writes them."""
    from rasa.shared.core import events as e

    return [event.as_dict() for event in [
        e.SlotSet("place_id", "yen-tu"), e.SlotSet("ticket_counts", {"adult": 2}), e.SlotSet("place", None),
        e.BotUttered("Yên Tử", {"buttons": [{"title": "Giờ mở cửa", "payload": "/ask_opening_hours"}]}),
        e.UserUttered("xin chào", {"name": "greet", "confidence": 0.9}, [{"entity": "place", "value": "x"}]),
        e.ActionExecuted("action_listen"), e.FollowupAction("ticket_form"), e.ActiveLoop("ticket_form"),
        e.ActiveLoop(None), e.AllSlotsReset(), e.Restarted(), e.ActionReverted(), e.UserUtteranceReverted(),
        e.ConversationPaused(), e.ConversationResumed(), e.SessionStarted(), e.LoopInterrupted(True),
        e.ActionExecutionRejected("ticket_form"), e.EntitiesAdded([{"entity": "place", "value": "x"}]),
        e.ReminderCancelled(name="r"), e.AgentUttered("hi"), e.StoryExported(),
    ]]


def _doubtful_answers() -> list:
    """Answers an action server could send that Rasa's schema may refuse."""
    answers = [None, [], "x", {"events": "not a list"}, {"responses": {"text": "x"}}, {"responses": ["x"]},
               {"events": [42]}, {"events": [{}]}, {"events": [{"event": 42}]}, {"events": [{"event": "nope"}]}]
    for event in _rasa_events():
        for key, value in [("timestamp", "yesterday"), ("metadata", "x"), ("event", None), ("name", 7),
                           ("value", object), ("confidence", "high"), ("entities", "x"), ("text", 5)]:
            if key in event or key in ("timestamp", "metadata", "event"):
                broken = {**event, key: value}
                answers.append({"events": [broken]})
        for missing in ("event", "name", "value", "entities"):
            if missing in event:
                answers.append({"events": [{k: v for k, v in event.items() if k != missing}]})
    return answers


def test_the_quick_check_only_passes_answers_the_whole_schema_passes():
    """Most answers skip the full schema; that shortcut must never accept what Rasa's schema refuses, and
    must really be taken for the events actions send."""
    from bot import serving

    full = serving._action_response_validator()
    events = _rasa_events()
    assert serving._plainly_valid({"events": events, "responses": [{"text": "x"}]})
    for event in events:
        assert full.is_valid({"events": [event]}) and serving._plainly_valid({"events": [event]}), event
    refused = 0
    for answer in _doubtful_answers():
        if serving._plainly_valid(answer):
            assert full.is_valid(answer), answer
        else:
            refused += 1
    assert refused > 30  # the doubtful cases do reach the full check


def _random_state(rng, with_previous_action: bool = True) -> dict:
    state = {"user": {"intent": rng.choice(["greet", "ask_place_info", "book_ticket", "deny"])}}
    if rng.random() < 0.4:
        state["user"]["entities"] = rng.choice([("place",), ("place", "area"), ["place"]])
    if with_previous_action:
        state["prev_action"] = {"action_name": rng.choice(["action_listen", "utter_greet", "ticket_form"])}
    if rng.random() < 0.5:
        state["active_loop"] = {"name": rng.choice(["ticket_form", "should_not_be_set"])}
    if rng.random() < 0.5:
        state["slots"] = {"place_id": rng.choice([(1.0,), (0.0,), (1,), "should_not_be_set"])}
    return state


def test_remembered_rule_matches_are_the_ones_rasa_finds(patched_rasa):
    """Random rules and conversations: the cached matching gives exactly Rasa's set of applicable rules,
    including for conversations shorter than a rule, conversation starts, and tuples against lists."""
    import copy
    import json
    import random

    from rasa.core.policies.rule_policy import RulePolicy

    from bot import serving

    rng = random.Random(7)
    tail = [_random_state(rng) for _ in range(3)]  # many conversations end alike: cache hits

    def conversation() -> list:
        head = [_random_state(rng, with_previous_action=i > 0) for i in range(rng.randint(0, 5))]
        return head + copy.deepcopy(tail[: rng.randint(0, 3)])

    lookup = {}
    while len(lookup) < 150:  # rules cut from conversations, loosened, so that many of them apply
        rule = copy.deepcopy(conversation()[-rng.randint(1, 4):])
        for state in rule:
            for part in list(state):
                if part != "prev_action" and rng.random() < 0.3:
                    del state[part]
        if rule:
            lookup[json.dumps(rule)] = rng.choice(["utter_greet", "action_listen", "ticket_form"])
    policy = RulePolicy.__new__(RulePolicy)  # matching needs no trained policy
    matched = 0
    for _ in range(600):
        states = conversation()
        expected = serving._original_possible_keys(policy, lookup, states)
        assert policy._get_possible_keys(lookup, states) == expected
        assert policy._get_possible_keys(lookup, states) == expected  # now from the cache
        matched += bool(expected)
    assert matched > 100 and len(policy.__dict__["_qn_rule_keys"][id(lookup)][2]) < 600


def test_rules_said_not_to_match_typed_text_never_match_it():
    """The text-only look is skipped when no rule could match a text-only state: checked here against
    Rasa's own matching, on random rules (intents, entities, other or no previous actions, loops, slots,
    should-not-be-set values) and random text-only states."""
    import json
    import random

    from rasa.core.policies.rule_policy import RulePolicy

    from bot import serving

    rng = random.Random(11)
    policy = RulePolicy.__new__(RulePolicy)
    options = {"intent": ["greet", "should_not_be_set", ""], "entities": [("place",), "should_not_be_set", ()],
               "action_name": ["action_listen", "utter_greet", "should_not_be_set", ""],
               "action_text": ["hi", "should_not_be_set", ""]}
    may, may_not = 0, 0
    for _ in range(3000):
        last: dict = {}
        if rng.random() < 0.85:
            last["prev_action"] = {key: rng.choice(options[key]) for key in ("action_name", "action_text")
                                   if rng.random() < 0.7}
        if rng.random() < 0.8:
            last["user"] = {key: rng.choice(options[key]) for key in ("intent", "entities") if rng.random() < 0.6}
        if rng.random() < 0.3:
            last["active_loop"] = {"name": rng.choice(["ticket_form", "should_not_be_set"])}
        key = json.dumps([_random_state(rng), last])
        typed = {"user": {"text": rng.choice(["xin chào", "2 người lớn"])},
                 "prev_action": {"action_name": "action_listen"}}
        if rng.random() < 0.5:
            typed["active_loop"] = {"name": "ticket_form"}
        if serving._may_match_typed_text(key):
            may += 1
        else:
            may_not += 1
            assert not policy._is_rule_applicable(key, 0, typed), key
    assert may > 100 and may_not > 1000


class _Processor:
    """Stands in for Rasa's MessageProcessor: the cache lives on the instance."""


class _Message:
    def __init__(self, text: str):
        self.text = text


@pytest.fixture
def nlu(monkeypatch):
    """The NLU cache around a stand-in analysis that records what it analysed and, like the gazetteer,
    which knowledge version's names it used."""
    from bot import serving
    from bot.nlu import gazetteer

    analysed, knowledge = [], {"latest": 1, "gazetteer": 1}

    def analyse(processor, message, tracker, only_output_properties=True):
        analysed.append(message.text)
        gazetteer.last_version_used = knowledge["gazetteer"]
        return {"text": message.text, "intent": {"name": "greet", "confidence": 0.9}, "entities": []}

    monkeypatch.setattr(serving, "_original_parse", analyse)
    monkeypatch.setattr(serving._NluCache, "knowledge_version", lambda cache: knowledge["latest"])
    monkeypatch.setenv("QN_NLU_CACHE_ENTRIES", "3")
    return analysed, knowledge, lambda processor, text: serving._parse_with_cache(processor, _Message(text), None)


def test_a_text_is_analysed_once_and_answers_never_share_state(nlu):
    analysed, _, parse = nlu
    processor = _Processor()
    first = parse(processor, "xin chào")
    first["entities"].append({"entity": "place", "value": "yen-tu"})  # a caller changing its copy
    second = parse(processor, "xin chào")
    assert analysed == ["xin chào"] and second["entities"] == []
    parse(processor, "cảm ơn")
    parse(_Processor(), "xin chào")  # a new model: its own cache
    assert analysed == ["xin chào", "cảm ơn", "xin chào"]


def test_a_staff_load_makes_texts_analysed_again_with_the_new_names(nlu):
    analysed, knowledge, parse = nlu
    processor = _Processor()
    parse(processor, "đền Cửa Ông ở đâu")
    knowledge["latest"] = 2  # staff loaded; the gazetteer has not re-read its names yet
    parse(processor, "đền Cửa Ông ở đâu")
    parse(processor, "đền Cửa Ông ở đâu")  # analysed with old names: not kept as the new version's answer
    knowledge["gazetteer"] = 2
    parse(processor, "đền Cửa Ông ở đâu")
    parse(processor, "đền Cửa Ông ở đâu")
    assert analysed == ["đền Cửa Ông ở đâu"] * 4


def test_the_cache_keeps_the_most_recently_used_texts_or_is_off(nlu, monkeypatch):
    analysed, _, parse = nlu
    processor = _Processor()
    for text in ["a", "b", "c", "a", "d", "a", "b"]:  # 3 entries: "b" was the least recently used at "d"
        parse(processor, text)
    assert analysed == ["a", "b", "c", "d", "b"]
    monkeypatch.setenv("QN_NLU_CACHE_ENTRIES", "0")  # off (read when a model is loaded)
    off = _Processor()
    parse(off, "xin chào")
    parse(off, "xin chào")
    assert analysed[-2:] == ["xin chào", "xin chào"]


@contextlib.asynccontextmanager
async def _local_webhook(handler):
    """An HTTP server on a free local port answering POST /webhook with `handler`; yields its URL."""
    from aiohttp import web

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_calls_to_the_action_server_reuse_one_connection(patched_rasa):
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig


    callers = []

    async def webhook(request: web.Request) -> web.Response:
        callers.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": []})

    async with _local_webhook(webhook) as url:
        endpoint = EndpointConfig(url)
        for _ in range(5):
            assert await endpoint.request(json={"next_action": "action_x"}, method="post") == {"events": [],
                                                                                              "responses": []}
        assert len(callers) == 5 and len(set(callers)) == 1


@pytest.mark.asyncio
async def test_the_action_server_receives_the_conversation_exactly_as_rasa_would_send_it(patched_rasa):
    """The call's JSON is written by ujson: what the action server reads is what Rasa's json.dumps gives."""
    import json

    from aiohttp import web
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.settings import PROJECT_ROOT

    domain = Domain.load(str(PROJECT_ROOT / "domain"))
    said = "Chùa Ba Vàng mở cửa mấy giờ? / giá vé 40.000đ"
    tracker = DialogueStateTracker.from_events("json-1", [
        ActionExecuted("action_listen"),
        UserUttered(said, {"name": "ask_opening_hours", "confidence": 0.1 + 0.2},
                    [{"entity": "place", "value": "chùa Ba Vàng", "start": 0, "end": 12, "confidence_entity": 1e-7}]),
        SlotSet("language", "vi"),
        BotUttered('Xin chào "bạn"\n', {"buttons": [{"title": "Có", "payload": '/affirm{"a": 1}'}]}),
    ], domain.slots)
    action = RemoteAction("action_opening_hours", EndpointConfig("http://unused"))
    expected = json.loads(json.dumps(action._action_call_format(tracker, domain)))
    received = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(json.loads(await request.read()))
        return web.json_response({"events": [], "responses": []})

    async with _local_webhook(webhook) as url:
        await EndpointConfig(url).request(json=action._action_call_format(tracker, domain), method="post")
    assert received == [expected] and expected["tracker"]["latest_message"]["text"] == said


@pytest.mark.asyncio
async def test_a_hung_action_server_costs_a_custom_action_the_configured_timeout_not_five_minutes(patched_rasa):
    """Rasa itself would wait 5 minutes; with endpoints.yml's `timeout` the action fails after it, and the
    turn goes on (the channel's guard then apologises: tests/conversations). Without one, Rasa's wait."""
    import asyncio
    import time

    from aiohttp import web
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

    from bot import serving
    from bot.settings import PROJECT_ROOT

    shipped = read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "action_endpoint")
    assert serving._endpoint_timeout(shipped) == 10
    assert serving._endpoint_timeout(EndpointConfig("http://x", timeout="ten")) is None  # Rasa's wait, logged

    released = asyncio.Event()

    async def hung(request: web.Request) -> web.Response:
        await released.wait()
        return web.json_response({"events": [], "responses": []})

    domain = Domain.load(str(PROJECT_ROOT / "domain"))
    async with _local_webhook(hung) as url:
        try:
            action = RemoteAction("action_place_info", EndpointConfig(url, timeout=0.5))
            started = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
                                 DialogueStateTracker("hung", domain.slots), domain)
            assert time.monotonic() - started < 5
        finally:
            released.set()


def test_the_quickly_loaded_model_predicts_exactly_what_rasas_loading_gives(patched_rasa):
    """The trained model, loaded without Rasa's one training step, gives the same intents and
    confidences on held-out questions in every style."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel

    from bot import serving
    from bot.nlu.evaluation import load_heldout
    from bot.settings import PROJECT_ROOT
    from tests.conftest import skip_or_fail

    models = sorted((PROJECT_ROOT / "models").glob("qn-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    texts = [example.text for example in load_heldout(PROJECT_ROOT / "tests/nlu/heldout")][::6]

    async def rankings(agent) -> list:
        return [[(i["name"], i["confidence"]) for i in (await agent.parse_message(t))["intent_ranking"]]
                for t in texts]

    quick = asyncio.run(rankings(Agent.load(str(models[-1]))))
    patched = RasaModel.__dict__["load"]
    RasaModel.load = serving._original_model_load
    try:
        rasas = asyncio.run(rankings(Agent.load(str(models[-1]))))
    finally:
        RasaModel.load = patched
    assert len(texts) > 100 and quick == rasas


def _trained_model():
    from bot.settings import PROJECT_ROOT
    from tests.conftest import skip_or_fail

    models = sorted((PROJECT_ROOT / "models").glob("qn-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    return models[-1]


def test_the_graph_run_without_dask_analyses_and_predicts_what_dask_runs_give(patched_rasa):
    """The bench conversations, turn by turn: each text's analysis, and each next action predicted after it
    and after that action, are the same whether dask or the ordered run executes Rasa's graph."""
    import sys

    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_TRACKER
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot import serving
    from bot.settings import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    from serve import CONVERSATIONS

    agent = Agent.load(str(_trained_model()))
    processor = agent.processor
    runners = {"ordered": serving._run_graph_in_order, "dask": serving._original_graph_run}
    core_target = processor.model_metadata.core_target

    def with_each_runner(step):
        results = {}
        for name, run in runners.items():
            DaskGraphRunner.run = run
            try:
                results[name] = step()
            finally:
                DaskGraphRunner.run = serving._run_graph_in_order
        assert results["ordered"] == results["dask"]
        return results["ordered"]

    def prediction(tracker):
        found = processor.graph_runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[core_target])
        return dict(vars(found[core_target]))

    compared = 0
    for number, conversation in enumerate(CONVERSATIONS):
        tracker = DialogueStateTracker.from_events(
            f"runner-{number}", [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(),
                                 ActionExecuted(ACTION_LISTEN_NAME)], slots=agent.domain.slots)
        for text in conversation:
            parsed = with_each_runner(lambda: serving._original_parse(processor, UserMessage(text), tracker))
            tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parsed))
            predicted = with_each_runner(lambda: prediction(tracker))
            action = agent.domain.action_names_or_texts[max(range(len(predicted["probabilities"])),
                                                            key=predicted["probabilities"].__getitem__)]
            tracker.update(ActionExecuted(action))
            with_each_runner(lambda: prediction(tracker))
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            compared += 3
    assert compared > 100
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        processor.graph_runner.run(inputs={PLACEHOLDER_TRACKER: core_target}, targets=[core_target])


def test_a_domain_is_empty_exactly_when_rasa_says_so(patched_rasa):
    from rasa.shared.core.domain import Domain

    from bot import serving
    from bot.settings import PROJECT_ROOT

    domains = [Domain.empty(), Domain.from_dict({}), Domain.load(str(PROJECT_ROOT / "domain")),
               Domain.from_dict({"intents": ["greet"]}),
               Domain.from_dict({"slots": {"x": {"type": "any", "mappings": []}}})]
    verdicts = [serving._domain_is_empty(domain) for domain in domains]
    rasas = [serving._original_is_empty(domain) for domain in domains]
    assert verdicts == rasas == [True, True, False, False, False]


# --- Checks in a fresh Python each -------------------------------------------------------------------------------
# Each needs a Python of its own (TensorFlow's threads are set once per process; the launcher installs the patches
# at start): four interpreters importing Rasa, most of a minute of waiting. They run in the background thread that
# starts the test bots (tests/conftest.py's PRELAUNCHED), after them, while the other tests run; each test then
# checks what its interpreters printed. With QN_TEST_PRELAUNCH=0 they run when the first test needs them.

TF_THREADS = [({}, "1 1"), ({"TF_INTRA_OP_PARALLELISM_THREADS": "2"}, "0 0")]


def _tensorflow_threads(environ: dict, environment: dict) -> subprocess.CompletedProcess:
    from bot.settings import PROJECT_ROOT

    script = ("from bot import serving; serving.install(); import tensorflow as tf; "
              "print(tf.config.threading.get_inter_op_parallelism_threads(), "
              "tf.config.threading.get_intra_op_parallelism_threads())")
    env = {key: value for key, value in environ.items() if not key.startswith("TF_")}
    return subprocess.run([sys.executable, "-c", script], env={**env, **environment}, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def _launcher_runs(environ: dict) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    from bot.settings import PROJECT_ROOT

    check = ("import sys; from bot import launch, serving; sys.argv = ['bot.launch', '--version']; "
             "import rasa.__main__ as m; m.main = lambda: print(sorted({a for _, a, _ in serving._installed})); "
             "launch.main()")
    done = subprocess.run([sys.executable, "-c", check], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, env={**environ, "QN_RASA_PATCHES_OFF": "nlu_cache"})
    refused = subprocess.run([sys.executable, "-m", "bot.launch", "--version"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=300,
                             env={**environ, "QN_RASA_PATCHES_OFF": "no-such-patch"})
    return done, refused


def _run_fresh_interpreters(_workdir, environ: dict) -> tuple[dict, Callable[[], None]]:
    """`environ`: the environment as it was before any test (tests may change os.environ meanwhile)."""
    results: dict = {threads: _tensorflow_threads(environ, environment) for environment, threads in TF_THREADS}
    results["launcher"] = _launcher_runs(environ)
    return results, lambda: None


PRELAUNCHED.register("fresh_interpreters", "fresh-interpreters", _run_fresh_interpreters)


@pytest.fixture(scope="module")
def fresh_interpreters(tmp_path_factory) -> Iterator[dict]:
    """What the checks in fresh interpreters printed (started ahead, tests/conftest.py's PRELAUNCHED)."""
    with PRELAUNCHED.running("fresh_interpreters", tmp_path_factory) as results:
        yield results


@pytest.mark.parametrize("environment, threads", TF_THREADS)
def test_tensorflow_runs_on_one_thread_unless_rasas_variables_say_otherwise(environment, threads, fresh_interpreters):
    """One thread each by default; an operator's TF_*_PARALLELISM_THREADS is left to Rasa (which applies it
    in `rasa run` before any channel loads; here nothing applies it, so TensorFlow keeps its own 0)."""
    done = fresh_interpreters[threads]
    assert done.stdout.strip().splitlines()[-1] == threads, done.stderr[-2000:]


def test_patches_are_installed_by_name_and_removed_leaving_rasas_own_functions(patched_rasa):
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.processor import MessageProcessor

    installed = patched_rasa.install(off=["nlu_cache"])
    assert "nlu_cache" not in installed and "graph_in_order" in installed
    assert MessageProcessor.__dict__["_parse_message_with_graph"] is not patched_rasa._parse_with_cache
    assert RulePolicy.__dict__["_get_possible_keys"] is patched_rasa._possible_keys_with_cache
    patched_rasa.uninstall()
    assert RulePolicy.__dict__["_get_possible_keys"] is patched_rasa._original_possible_keys
    assert patched_rasa.install(off=["all"]) == []


def test_another_rasa_version_or_an_unknown_patch_is_refused_with_a_reason(monkeypatch):
    import rasa

    from bot import serving

    with pytest.raises(serving.PatchError, match="unknown Rasa patch"):
        serving.install(off=["a-patch-that-does-not-exist"])
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(serving.PatchError, match="patches Rasa 3.6.21, not 3.7.0"):
        serving.install()
    serving.uninstall()


def test_rasa_started_through_the_launcher_runs_patched_and_refuses_a_wrong_patch_name(fresh_interpreters):
    done, refused = fresh_interpreters["launcher"]
    replaced = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:]
    assert "'_parse_message_with_graph'" not in replaced and "'handle_message'" in replaced, replaced
    assert refused.returncode != 0 and "unknown Rasa patch" in refused.stderr



@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(1, 30), widths=st.lists(st.integers(1, 40000), min_size=2, max_size=4),
       density=st.floats(0, 0.05), dtypes=st.lists(st.sampled_from(["float32", "float64", "int64"]), min_size=4,
                                                    max_size=4), seed=st.integers(0, 2**31))
def test_sparse_features_are_joined_into_exactly_the_matrix_rasas_chain_builds(patched_rasa, rows, widths, density,
                                                                               dtypes, seed):
    """Two to four featurizers' COO matrices of any sizes, densities and value types, combined as a message's
    features: one Features with the same entries in the same order, the same value and index types, the first's
    type and attribute, and the featurizers' list as origin, as Rasa's own chain of scipy `hstack` joins gives."""
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features

    features = [Features(scipy.sparse.random(rows, width, density=density, format="coo", random_state=seed + i,
                                             dtype=dtypes[i]), "sequence", "text", f"featurizer {i}")
                for i, width in enumerate(widths)]
    featurizers = [feature.origin for feature in features]
    combined = patched_rasa._combine_features_at_once(features, featurizers)
    patched_rasa.uninstall()
    expected = patched_rasa._original_combine_features(features, featurizers)
    assert (combined.type, combined.attribute, combined.origin) == (expected.type, expected.attribute, featurizers)
    assert combined.origin is featurizers and combined._cached_fingerprint is None
    got, rasas = combined.features, expected.features
    assert type(got) is type(rasas) and got.shape == rasas.shape
    for part in ("row", "col", "data"):
        assert getattr(got, part).dtype == getattr(rasas, part).dtype, part
        assert (getattr(got, part) == getattr(rasas, part)).all(), part


@pytest.mark.parametrize("patch", ["sparse_features_joined_directly", "traced_graph_called_directly"])
def test_texts_are_analysed_the_same_with_each_nlu_patch_as_by_rasa(patched_rasa, patch):
    """The held-out questions in every style get the same intents and confidences with the patch as with Rasa's
    own function (Rasa's own analysis of each text, no NLU cache), and the patch was used for every text."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    from bot.nlu.evaluation import load_heldout
    from bot.settings import PROJECT_ROOT

    texts = [example.text for example in load_heldout(PROJECT_ROOT / "tests/nlu/heldout")][::7]
    agent = Agent.load(str(_trained_model()))
    ((owner, attribute, patched),) = patched_rasa._patches()[patch]
    (original_name,) = patched_rasa._ORIGINALS[patch]
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return patched(*args, **kwargs)

    def rankings() -> list:
        return [[(i["name"], i["confidence"]) for i in
                 patched_rasa._original_parse(agent.processor, UserMessage(text), None)["intent_ranking"]]
                for text in texts]

    static = isinstance(owner.__dict__[attribute], staticmethod)
    setattr(owner, attribute, staticmethod(counted) if static else counted)
    with_patch = rankings()
    setattr(owner, attribute, getattr(patched_rasa, original_name))  # uninstall() puts it back too
    if patch == "traced_graph_called_directly":  # DIET's graph was called directly after its first call
        components = [getattr(node, "_component", None)
                      for node in agent.processor.graph_runner._instantiated_nodes.values()]
        assert any("_qn_traced" in vars(component.model) for component in components
                   if getattr(component, "model", None) is not None)
    rasas = rankings()
    assert len(texts) > 100 and len(calls) >= len(texts) and with_patch == rasas


def test_the_traced_graph_is_called_directly_only_with_inputs_of_its_signatures_types(patched_rasa):
    """Inputs of the signature's types get the graph's outputs; inputs of other types (an int64 of 2**40 where the
    graph takes int32) go Rasa's own way, and get what Rasa gives them."""
    import numpy as np
    import tensorflow as tf

    class Model:  # what _rasa_predict uses of a RasaModel
        _run_eagerly, prepared_for_prediction = False, True

        def __init__(self) -> None:
            self._tf_predict_step = tf.function(self.predict_step, input_signature=[
                [tf.TensorSpec([None], tf.int32), tf.TensorSpec([None, 2], tf.float32)]])

        def predict_step(self, batch_in):
            return {"i_scores": tf.cast(batch_in[0], tf.float32)[:, None] * batch_in[1]}

        @staticmethod
        def _empty_lists_to_none_in_dict(value):
            return value

    model = Model()
    good = (np.array([3, 4], dtype=np.int32), np.ones((2, 2), dtype=np.float32))
    first = patched_rasa._predict_through_the_traced_graph(model, good)  # traces, Rasa's way
    direct = patched_rasa._predict_through_the_traced_graph(model, good)
    assert "_qn_traced" in vars(model) and (direct["i_scores"] == first["i_scores"]).all()
    assert direct["i_scores"].tolist() == [[3.0, 3.0], [4.0, 4.0]]
    wide = (np.array([2**40, 1], dtype=np.int64), np.ones((2, 2), dtype=np.float32))
    calls = []
    rasas = patched_rasa._original_rasa_predict

    def counted(*args):
        calls.append(1)
        return rasas(*args)

    patched_rasa._original_rasa_predict = counted
    try:
        mine = patched_rasa._predict_through_the_traced_graph(model, wide)
    finally:
        patched_rasa._original_rasa_predict = rasas
    assert calls and (mine["i_scores"] == rasas(model, wide)["i_scores"]).all()


@pytest.mark.parametrize("needs_autograph", [False, True])
def test_a_model_whose_prediction_needs_autograph_is_loaded_rasas_way(patched_rasa, monkeypatch, needs_autograph):
    """The quick load traces prediction without AutoGraph (DIET's has no Python control flow over tensors); a model
    whose prediction branches in Python on a tensor cannot be traced so, and is loaded Rasa's way instead of failing.
    """
    import numpy as np
    import rasa.utils.train_utils
    import tensorflow as tf
    from rasa.utils.tensorflow.models import RasaModel

    batch = (np.array([1.0, 2.0], dtype=np.float32),)

    class Restored:
        def assert_existing_objects_matched(self) -> None:
            pass

        def expect_partial(self) -> None:
            pass

    class Model:  # what the quick load uses of a RasaModel
        _dynamic_signature = staticmethod(RasaModel._dynamic_signature)

        def __init__(self) -> None:
            self._tf_predict_step = None

        def load_weights(self, _file: str) -> Restored:
            return Restored()

        def predict_step(self, batch_in):
            if needs_autograph and tf.reduce_sum(batch_in[0]) > 0:  # a Python branch on a tensor
                return {"y": batch_in[0] * 2}
            return {"y": batch_in[0]}

        def run_inference(self, _data):
            return self._tf_predict_step(batch)

    monkeypatch.setattr(rasa.utils.train_utils, "create_data_generators", lambda **_: ([(batch, None)], None))
    monkeypatch.setattr(patched_rasa, "_original_model_load", classmethod(lambda cls, *args, **kwargs: "Rasa's way"))
    loaded = patched_rasa._load_model_without_a_training_step(Model, "model.tf_model", object(), object())
    if needs_autograph:
        assert loaded == "Rasa's way"
    else:
        assert isinstance(loaded, Model) and loaded.run_inference(None)["y"].numpy().tolist() == [1.0, 2.0]


@pytest.fixture(scope="module")
def featurizers():
    """The trained model's tokenizer and count-vector featurizers, with bot/serving.py's patches in."""
    from rasa.core.agent import Agent
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    from bot import serving

    serving.install()
    try:
        agent = Agent.load(str(_trained_model()))
        components = [getattr(node, "_component", None)
                      for node in agent.processor.graph_runner._instantiated_nodes.values()]
        tokenizer = next(c for c in components if type(c).__name__ == "VietnameseTokenizer")
        yield serving, tokenizer, [c for c in components if isinstance(c, CountVectorsFeaturizer)]
    finally:
        serving.uninstall()


def _count_vector_features(featurize, tokenizer, vectorizers, texts: list[str]) -> list[list[tuple]]:
    """Each text's features (type, attribute, origin, and the matrix's parts with their types) after `featurize`
    ran every count-vector featurizer over the texts as one batch."""
    from rasa.shared.nlu.training_data.message import Message

    messages = [Message(data={"text": text}) for text in texts]
    tokenizer.process(messages)
    for vectorizer in vectorizers:
        featurize(vectorizer, messages)
    return [[(f.type, f.attribute, f.origin, type(f.features).__name__, f.features.shape,
              *((part.dtype.str, part.tolist()) for part in (f.features.row, f.features.col, f.features.data)))
             for f in message.features] for message in messages]


_TYPED = st.text(st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợ"
                                      "ùủũúụừửữứựỳỷỹýỵ AĐƯ0123456789/-.,?!:😀")), max_size=80)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(_TYPED, min_size=2, max_size=12))
def test_texts_counted_together_get_the_features_each_gets_alone(featurizers, texts):
    """Any batch of typed texts (empty ones, numbers, dates, emoji included): each text's count-vector features
    from the batched featurizers are exactly those of Rasa's own, one text at a time."""
    serving, tokenizer, vectorizers = featurizers
    alone = _count_vector_features(lambda c, ms: [serving._original_count_vectors_process(c, [m]) for m in ms],
                                   tokenizer, vectorizers, texts)
    together = _count_vector_features(serving._count_vectors_in_one_batch, tokenizer, vectorizers, texts)
    assert together == alone


def test_held_out_questions_counted_together_get_the_features_each_gets_alone(featurizers):
    """The held-out questions in every style, in batches of 20 as nlu_batch sends them at 20 users: the same
    features as Rasa's own featurizers give each alone, and the batched one was the one used."""
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    from bot.nlu.evaluation import load_heldout
    from bot.settings import PROJECT_ROOT

    serving, tokenizer, vectorizers = featurizers
    texts = [example.text for example in load_heldout(PROJECT_ROOT / "tests/nlu/heldout")]
    assert CountVectorsFeaturizer.process is serving._count_vectors_in_one_batch and len(texts) > 500
    for start in range(0, len(texts), 20):
        batch = texts[start:start + 20]
        assert _count_vector_features(CountVectorsFeaturizer.process, tokenizer, vectorizers, batch) == \
            _count_vector_features(lambda c, ms: [serving._original_count_vectors_process(c, [m]) for m in ms],
                                   tokenizer, vectorizers, batch)
