#!/usr/bin/env bash
# A complete offline turn against a running `./agentry serve`: a scripted model asks for a bash call,
# the call runs in the session's bubblewrap sandbox, and the turn ends. Needs curl and python3.
#   ./agentry serve &        # in another terminal
#   examples/demo.sh [http://127.0.0.1:8080]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
URL="${1:-${AGENTRY_URL:-http://127.0.0.1:8080}}"
KEY="${AGENTRY_API_KEY:-$(cat "${AGENTRY_DATA_DIR:-$ROOT/data}/admin.key")}"
call() { curl -sS -X "$1" "$URL$2" -H "x-api-key: $KEY" -H 'content-type: application/json' ${3:+-d "$3"}; }
id() { python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])'; }

agent=$(call POST /v1/agents "{\"name\":\"demo\",\"model\":\"scripted:$ROOT/examples/scripted-turn.json\",\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}" | id)
env=$(call POST /v1/environments "{\"name\":\"demo-$(date +%s%N)\"}" | id)
session=$(call POST /v1/sessions "{\"agent\":\"$agent\",\"environment_id\":\"$env\"}" | id)
call POST "/v1/sessions/$session/events" '{"events":[{"type":"user.message","content":[{"type":"text","text":"Show me the sandbox."}]}]}' >/dev/null
echo "session $session"
for _ in $(seq 1 100); do
  status=$(call GET "/v1/sessions/$session" | python3 -c 'import sys,json; print(json.load(sys.stdin)["status"])')
  events=$(call GET "/v1/sessions/$session/events")
  if [[ "$status" == idle ]] && grep -q session.status_idle <<<"$events"; then break; fi
  sleep 0.2
done
python3 - "$events" <<'PY'
import json, sys
for e in json.loads(sys.argv[1])["data"]:
    t, extra = e["type"], ""
    if t == "agent.message": extra = e["content"][0]["text"]
    elif t == "agent.tool_use": extra = json.dumps(e["input"])
    elif t == "agent.tool_result": extra = e["content"][0]["text"].strip().replace("\n", " | ")
    elif t == "session.status_idle": extra = e["stop_reason"]["type"]
    print(f"{t:28} {extra}")
PY
