"""Clients for bench/reliability.sh: learners running warehouse queries and listing their history, each answer counted
by status and problem type. Prints one JSON object: {"answers": {"200": n, "503 database-unavailable": n, ...},
"queries_answered": {token_index: queries answered 200}, "unexpected": [first few answers outside the allowed ones]}.

usage: reliability_clients.py BASE SECONDS TOKENS_FILE [--pace SECONDS] [--history-every N] [--allow STATUS[:TYPE],...]
"""
import argparse
import http.client
import json
import threading
import time
from collections import Counter


def client(index, token, args, answers, answered, unexpected, lock):
    host, port = args.base.split("//", 1)[1].split(":")
    conn = None
    deadline = time.monotonic() + args.seconds
    sent = 0
    while time.monotonic() < deadline:
        sent += 1
        history = args.history_every and sent % args.history_every == 0
        method, path = ("GET", "/api/v1/queries?limit=1") if history else ("POST", "/api/v1/queries")
        body = None if history else json.dumps({"sql": f"select {index} as client, {sent} as n"})
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            conn.request(method, path, body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            status = response.status
            kind = ""
            if status >= 400:
                try:
                    kind = json.loads(payload).get("type", "").rsplit("/", 1)[-1]
                except ValueError:
                    kind = "not-json"
                if response.getheader("Retry-After") is None and status in (429, 503):
                    kind += " (no Retry-After)"
            key = f"{status} {kind}".strip()
        except (OSError, http.client.HTTPException) as e:
            conn = None
            status, key = None, "no answer: " + type(e).__name__
        with lock:
            answers[key] += 1
            if method == "POST" and status == 200:
                answered[index] += 1
            if key not in args.allow and len(unexpected) < 5:
                unexpected.append(f"{method} {path} -> {key}")
        if args.pace:
            time.sleep(args.pace)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("seconds", type=float)
    parser.add_argument("tokens_file")
    parser.add_argument("--pace", type=float, default=0.05)
    parser.add_argument("--history-every", type=int, default=5)
    parser.add_argument("--allow", default="200,503 database-unavailable")
    args = parser.parse_args()
    args.allow = set(args.allow.split(","))
    with open(args.tokens_file) as f:
        tokens = [line.strip() for line in f if line.strip()]
    answers, answered, unexpected, lock = Counter(), Counter(), [], threading.Lock()
    threads = [threading.Thread(target=client, args=(i, t, args, answers, answered, unexpected, lock)) for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"answers": dict(answers), "queries_answered": dict(answered), "unexpected": unexpected}))


if __name__ == "__main__":
    main()
