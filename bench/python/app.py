"""The Python server of the benchmark: the platform's documented Flask app, its /invoke
doing the hello function's work (parse {"key": ...}, answer "hello, <key>!" as JSON, log
the FC Invoke Start/End lines). Run under gunicorn (see gunicorn.conf.py)."""
import json

from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/initialize", methods=["POST"])
def initialize():
    rid = request.headers.get("x-fc-request-id", "")
    print("FC Initialize Start RequestId: " + rid, flush=True)
    print("FC Initialize End RequestId: " + rid, flush=True)
    return "OK"


@app.route("/invoke", methods=["POST"])
def invoke():
    rid = request.headers.get("x-fc-request-id", "")
    print("FC Invoke Start RequestId: " + rid, flush=True)
    status = 200
    try:
        event = json.loads(request.get_data())
        reply = json.dumps("hello, " + event["key"] + "!")
    except Exception as e:  # noqa: BLE001 - the platform's error shape
        status = 404
        reply = json.dumps({"errorMessage": str(e), "errorType": type(e).__name__})
    print("FC Invoke End RequestId: " + rid, flush=True)
    return Response(reply, status=status, headers={"x-fc-status": str(status)}, content_type="application/json")
