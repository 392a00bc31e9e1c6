"""Fn's own invoke API (``POST /invoke/{fn_id}``), with the function run by the real fdk."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.request

import pytest

from .support import ECHO, ECHO_ID, FnEmulatorProcess

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")

pytestmark = pytest.mark.system


def invoke(fn, payload: dict, headers: dict | None = None, timeout: float = 30):
    return fn.post(f"/invoke/{ECHO_ID}", json.dumps(payload).encode(), headers, timeout=timeout)


def test_the_function_answers_through_fdk_with_fns_headers_and_environment(fn):
    status, headers, body = invoke(fn, {"hello": "mundo"}, {"Content-Type": "application/json"})
    assert status == 200
    seen = json.loads(body)
    assert seen["body"] == {"hello": "mundo"}
    # The call id Fn answers is the one the FDK's context got.
    assert ULID.match(headers["Fn-Call-Id"]) and seen["call_id"] == headers["Fn-Call-Id"]
    assert headers["Fn-Fdk-Version"].startswith("fdk-python/")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    # The container's environment, as Fn sets it: http-stream on a unix socket, ids, memory, config.
    env = seen["env"]
    assert env["FN_FORMAT"] == "http-stream"
    assert env["FN_LISTENER"].startswith("unix:") and env["FN_LISTENER"].endswith("/lsnr.sock")
    assert env["FN_FN_ID"] == ECHO_ID and env["FN_FN_NAME"] == "echo"
    assert env["FN_APP_NAME"] == "ocipizza" and env["FN_APP_ID"].startswith("ocid1.fnapp.")
    memory = re.search(r"^memory: (\d+)$", (ECHO / "func.yaml").read_text(), re.M).group(1)
    assert env["FN_MEMORY"] == memory
    assert env["GREETING"] == "olá da func.yaml" and env["APP_WIDE"] == "yes"
    assert seen["cwd"] == str(ECHO)
    # The deadline the FDK got is the function's timeout away (30 s in func.yaml), in RFC 3339.
    deadline = dt.datetime.fromisoformat(seen["deadline"].replace("Z", "+00:00"))
    assert dt.timedelta(seconds=20) < deadline - dt.datetime.now(dt.UTC) <= dt.timedelta(seconds=30)
    assert seen["headers"]["content-type"] == "application/json"


def test_hot_containers_are_reused_and_a_config_change_restarts_them(fn):
    first = json.loads(invoke(fn, {})[2])
    second = json.loads(invoke(fn, {})[2])
    assert first["pid"] == second["pid"]
    assert fn.stats()["cold_starts"] <= 1
    fn.configure(ECHO_ID, config={"GREETING": "nova configuração"})
    third = json.loads(invoke(fn, {})[2])
    assert third["pid"] != first["pid"] and third["env"]["GREETING"] == "nova configuração"


def test_an_unknown_function_is_fns_404(fn):
    status, _headers, body = fn.post("/invoke/01NOTAFUNCTION0000000000000", b"{}")
    assert (status, json.loads(body)) == (404, {"message": "Fn not found"})


def test_a_function_that_raises_is_a_502_and_its_traceback_is_the_calls_log(fn):
    status, headers, body = invoke(fn, {"action": "raise", "message": "pizza queimada"})
    assert (status, json.loads(body)) == (502, {"message": "function failed"})
    call_id = headers["Fn-Call-Id"]
    log = "\n".join(fn.logs(call_id, until="pizza queimada"))
    assert (
        "RuntimeError" not in body.decode() and "pizza queimada" in log and "Traceback" not in body.decode()
    )
    assert call_id in log  # the FDK's log lines carry the call id, as in OCI's function logs
    # The container survives a function error (the FDK reported it): the next call is served warm.
    before = fn.stats()["cold_starts"]
    assert invoke(fn, {})[0] == 200
    assert fn.stats()["cold_starts"] == before


def test_stdout_and_stderr_are_the_calls_log(fn):
    status, headers, _body = invoke(fn, {"action": "log", "message": "forno aceso"})
    assert status == 200
    call_id = headers["Fn-Call-Id"]
    # Each stream has its own pipe: wait for both lines before reading the records.
    fn.logs(call_id, until="to stdout: forno aceso")
    fn.logs(call_id, until="to stderr: forno aceso")
    lines = fn.admin(f"logs?call_id={call_id}", method="GET")["lines"]
    assert {(r["stream"], r["line"].endswith("forno aceso")) for r in lines} >= {
        ("stdout", True),
        ("stderr", True),
    }
    assert "forno aceso" in fn.output()  # and the emulator's own log shows them


def test_a_call_past_the_timeout_is_a_504_and_the_container_is_replaced(fn):
    fn.configure(ECHO_ID, timeout=3)
    warm = json.loads(invoke(fn, {})[2])
    status, headers, body = invoke(fn, {"action": "sleep", "seconds": 10})
    assert (status, json.loads(body)) == (504, {"message": "Timed out"})
    assert "Fn-Call-Id" in headers
    after = json.loads(invoke(fn, {})[2])
    assert after["pid"] != warm["pid"]


def test_fault_knobs(fn):
    fn.admin("faults", {"function_error": 1})
    status, headers, body = invoke(fn, {})
    assert (status, json.loads(body)) == (502, {"message": "function failed"})
    call_id = headers["Fn-Call-Id"]
    assert fn.logs(call_id, until="emulator fault") == ["emulator fault: the function raised"]
    assert invoke(fn, {})[0] == 200  # the knob counted down

    fn.configure(ECHO_ID, timeout=1)
    fn.admin("faults", {"timeout": 1})
    status, _headers, body = invoke(fn, {})
    assert (status, json.loads(body)) == (504, {"message": "Timed out"})
    fn.configure(ECHO_ID, timeout=30)

    fn.admin("faults", {"refuse_connections": 1})
    with pytest.raises(OSError):
        invoke(fn, {})
    assert fn.stats()["refused_connections"] == 1
    assert invoke(fn, {})[0] == 200

    # A slow cold start: a caller with a short timeout gives up; once warm, the same caller is served.
    fn.admin("recycle", {"function": ECHO_ID})
    fn.admin("faults", {"cold_start_ms": 5000})
    with pytest.raises(TimeoutError):
        invoke(fn, {}, timeout=2)
    fn.admin("faults", {"cold_start_ms": 0})
    assert invoke(fn, {}, timeout=30)[0] == 200
    assert invoke(fn, {}, timeout=2)[0] == 200

    with pytest.raises(Exception, match="400"):
        fn.admin("faults", {"no_such_knob": 1})


def test_a_detached_call_is_accepted_at_once(fn):
    status, headers, body = invoke(
        fn, {"action": "log", "message": "em segundo plano"}, {"Fn-Invoke-Type": "detached"}
    )
    assert (status, body) == (202, b"")
    fn.logs(headers["Fn-Call-Id"], until="em segundo plano")  # the detached call ran


def test_a_container_that_cannot_start_is_fns_init_failure(tmp_path):
    process = FnEmulatorProcess("--python", "/bin/false", functions=(ECHO,)).start()
    try:
        status, _headers, body = process.post(f"/invoke/{ECHO_ID}", b"{}")
        assert status == 502
        assert json.loads(body)["message"].startswith("Container failed to initialize")
    finally:
        process.stop()


def test_a_function_whose_requirements_are_missing_is_refused_with_what_to_do(tmp_path):
    function = tmp_path / "needs"
    function.mkdir()
    (function / "func.yaml").write_text((ECHO / "func.yaml").read_text().replace("name: echo", "name: needs"))
    (function / "func.py").write_text((ECHO / "func.py").read_text())
    (function / "requirements.txt").write_text("fdk\nno-such-package-ocipizza==1.0\n")
    process = FnEmulatorProcess(functions=(function,))
    with pytest.raises(
        RuntimeError, match=r"(?s)no-such-package-ocipizza==1.0: not installed.*pip install -r"
    ):
        process.start()


def test_fns_management_api_leads_the_fn_cli_to_the_invoke_endpoint(fn):
    def get(path):
        with urllib.request.urlopen(fn.url + path, timeout=10) as response:
            return json.loads(response.read())

    [app] = get("/v2/apps?name=ocipizza")["items"]
    assert app["config"] == {"APP_WIDE": "yes"}
    [echo] = get(f"/v2/fns?app_id={app['id']}&name=echo")["items"]
    assert echo["id"] == ECHO_ID and echo["config"] == {"GREETING": "olá da func.yaml"}
    endpoint = echo["annotations"]["fnproject.io/fn/invokeEndpoint"]
    assert endpoint == f"{fn.url}/invoke/{ECHO_ID}"
    assert get(f"/v2/fns/{ECHO_ID}")["name"] == "echo"
    with pytest.raises(urllib.error.HTTPError) as missing:
        get("/v2/fns/01NOSUCHFUNCTION0000000000")
    assert missing.value.code == 404
    status, _headers, body = fn.post(endpoint[len(fn.url) :], b'{"via": "fn invoke"}')
    assert status == 200 and json.loads(body)["body"] == {"via": "fn invoke"}
