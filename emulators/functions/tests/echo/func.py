"""A function for the emulator's own tests: it does what the JSON body asks and tells what it saw."""

import io
import json
import logging
import os
import sys
import time

from fdk import response


def handler(ctx, data: io.BytesIO | None = None):
    request = json.loads(data.getvalue() or b"{}")
    action = request.get("action", "echo")
    if action == "raise":
        raise RuntimeError(request.get("message", "the echo function was told to fail"))
    if action == "sleep":
        time.sleep(float(request["seconds"]))
    if action == "log":
        print("to stdout:", request["message"], flush=True)
        logging.getLogger("echo").warning("to stderr: %s", request["message"])
    seen = {
        "env": {k: v for k, v in os.environ.items() if k.startswith("FN_") or k in ("GREETING", "APP_WIDE")},
        "call_id": ctx.CallID(),
        "deadline": ctx.Deadline(),
        "headers": {k.lower(): v for k, v in ctx.Headers().items()},
        "body": request,
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "python": sys.executable,
    }
    return response.Response(
        ctx, response_data=json.dumps(seen), headers={"Content-Type": "application/json; charset=utf-8"}
    )
