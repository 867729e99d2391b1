"""campaigns/generate.php against a fake OpenAI-compatible server
(tests/e2e/fakes/openai.py): the request we send, validation with one retry,
upstream failures, and the credit count."""
import json

from fakes.openai import OpenAiServer, content, refusal, sleep, status, steps_json
from lib import Server, assert_error, assert_success

ADMIN = "admin@localhost.localdomain"


def ai_server(ai, extra=None):
    env = {"LEADGEN_AI_URL": ai.url, "LEADGEN_AI_KEY": ai.key, "LEADGEN_AI_MODEL": "test-model"}
    env.update(extra or {})
    return Server(env=env)


def generate(s, body, key=None):
    kw = {} if key is None else {"key": key}
    return s.post("campaigns/generate.php", body, **kw)


def test_request_carries_model_schema_and_prompts():
    with OpenAiServer() as ai, ai_server(ai) as s:
        ai.answer_with(content(steps_json(3)))
        r = generate(s, {"prompt": "Sell SEO audits to dentists in Ohio", "num_followups": 2})
        data = assert_success(r)
        assert len(data["steps"]) == 3
        (req,) = ai.requests
        assert req["path"] == "/v1/chat/completions"
        assert req["headers"]["Authorization"] == "Bearer " + ai.key
        body = req["json"]
        assert body["model"] == "test-model"
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        schema = fmt["json_schema"]["schema"]
        item = schema["properties"]["steps"]["items"]
        assert set(item["required"]) == {"subject", "body", "delay_days"}
        system, user = body["messages"]
        assert system["role"] == "system" and "spintax" in system["content"]
        assert "{{firstname|there}}" in system["content"]
        assert user["role"] == "user"
        assert "Sell SEO audits to dentists in Ohio" in user["content"]
        assert "2 follow-up" in user["content"] and "{prompt}" not in user["content"]


def test_custom_prompts_replace_defaults_with_placeholders_substituted():
    with OpenAiServer() as ai, ai_server(ai) as s:
        ai.answer_with(content(steps_json(5)))
        r = generate(s, {"prompt": "bakeries", "num_followups": 4,
                         "custom_system_prompt": "You are terse.",
                         "custom_user_prompt_template": "N={num_followups}; P={prompt}; {prompt}!"})
        assert_success(r)
        system, user = ai.requests[0]["json"]["messages"]
        assert system["content"] == "You are terse."
        assert user["content"] == "N=4; P=bakeries; bakeries!"


def test_good_answer_passes_through_and_bills_per_email():
    expected_cost = {1: 2, 2: 3, 3: 4, 4: 5, 5: 6}
    with OpenAiServer() as ai, ai_server(ai) as s:
        spent = 0
        for followups, cost in expected_cost.items():
            answer = steps_json(followups + 1)
            ai.answer_with(content(answer))
            r = generate(s, {"prompt": "p", "num_followups": followups})
            data = assert_success(r)
            assert r.json["credits_used"] == cost, (followups, r.json)
            assert data["steps"] == json.loads(answer)["steps"]
            spent += cost
        assert s.balance(ADMIN) == 100 - spent


def test_generated_steps_are_accepted_by_the_step_validator_default_followups():
    with OpenAiServer() as ai, ai_server(ai) as s:
        ai.answer_with(content(steps_json(3)))
        r = generate(s, {"prompt": "p"})  # num_followups defaults to 2
        assert len(assert_success(r)["steps"]) == 3
        assert r.json["credits_used"] == 3


def test_malformed_answer_is_retried_once_with_the_reason():
    with OpenAiServer() as ai, ai_server(ai) as s:
        ai.answer_with(content("{\"steps\": [{\"subject\": \"{Hi|Hello\", \"body\": \"b\", "
                               "\"delay_days\": 0}]}"),
                       content(steps_json(3)))
        r = generate(s, {"prompt": "p"})
        assert len(assert_success(r)["steps"]) == 3
        assert len(ai.requests) == 2
        retry = ai.requests[1]["json"]["messages"]
        assert retry[2]["role"] == "assistant"
        assert retry[3]["role"] == "user" and "rejected" in retry[3]["content"]
        assert "expected 3 steps" in retry[3]["content"]


def test_invalid_twice_is_api_error_and_free():
    bad_answers = [
        "not json at all",
        steps_json(3, first_delay=2),
        steps_json(3, body="<p onclick=\"x()\">hi</p>"),
        steps_json(3, body="<p>hi</p><script>alert(1)</script>"),
        steps_json(3, body="<p>hi <img src=\"https://tracker.example/p.gif\"></p>"),
        steps_json(3, subject="Hi {{first_name}}"),
        json.dumps({"steps": [{"subject": "s", "body": "b"}] * 3}),
    ]
    with OpenAiServer() as ai, ai_server(ai) as s:
        for bad in bad_answers:
            ai.requests.clear()
            ai.answer_with(content(bad))
            r = generate(s, {"prompt": "p"})
            assert_error(r, 502, "api_error", "invalid")
            assert len(ai.requests) == 2, bad
        assert s.balance(ADMIN) == 100


def test_upstream_failures_are_api_errors_and_free():
    with OpenAiServer() as ai, ai_server(ai, {"LEADGEN_UPSTREAM_TIMEOUT": 1}) as s:
        ai.answer_with(status(500, "The server had an error"))
        assert_error(generate(s, {"prompt": "p"}), 502, "api_error", "The server had an error")
        ai.answer_with(refusal("I can't help with that."))
        assert_error(generate(s, {"prompt": "p"}), 502, "api_error", "refused")
        ai.answer_with(sleep(3, content(steps_json(3))))
        assert_error(generate(s, {"prompt": "p"}), 502, "api_error", "timed out")
        assert s.balance(ADMIN) == 100
    with OpenAiServer(key="the-right-key") as ai:
        ai.key = "the-right-key"
        with Server(env={"LEADGEN_AI_URL": ai.url, "LEADGEN_AI_KEY": "wrong"}) as s:
            assert_error(generate(s, {"prompt": "p"}), 502, "api_error", "Incorrect API key")


def test_parameter_errors_and_not_configured():
    with OpenAiServer() as ai, ai_server(ai) as s:
        assert_error(generate(s, {}), 400, "missing_param", "prompt")
        assert_error(generate(s, {"prompt": "p", "num_followups": 0}), 400, "invalid_param",
                     "num_followups")
        assert_error(generate(s, {"prompt": "p", "num_followups": 6}), 400, "invalid_param",
                     "num_followups")
        assert_error(generate(s, {"prompt": 5}), 400, "invalid_param", "prompt")
        assert ai.requests == []
        broke = s.add_user("broke@example.com", credits=0)
        assert_error(generate(s, {"prompt": "p"}, key=broke), 402, "insufficient_credits")
    with Server() as s:
        assert_error(generate(s, {"prompt": "p"}), 503, "not_configured", "LEADGEN_AI_KEY")
