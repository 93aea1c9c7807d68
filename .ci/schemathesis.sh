#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) sends generated requests for every operation of
# openapi/openapi.yaml to a live backend with a real token and a seeded run, and fails on any 5xx
# or any response that does not conform to the document (status code, content type, body).
# Expects the debug binaries built by `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCHEMATHESIS_VERSION=4.32.5
if ! st --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi

bin=target/debug
work=$(mktemp -d /tmp/tower-schemathesis.XXXXXX)
backend_pid=
cleanup() { [[ -n $backend_pid ]] && kill "$backend_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export TOWER_DB_URL="sqlite://$work/tower.db"
export TOWER_CRYPTO_SECRETKEY=schemathesis-key-of-stored-secrets
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/tower-cron" migrate 2>"$work/migrate.log"
token=$("$bin/tower-backend" token create --email schemathesis@example.com --name schemathesis)
TOWER_BACKEND_SERVER_PORT=$port "$bin/tower-backend" 2>"$work/backend.log" &
backend_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$url/health" >/dev/null && break; sleep 0.1; done

# A real run with tasks, a label, credentials, a secret, a compute environment and a pipeline, so that
# operations on existing ids are exercised too.
api() { curl -fsS -X "$1" "$url$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
wf=$(api POST /trace/create '{"sessionId":"5b2e8d1c-0000-4000-8000-00000000abcd","runName":"schema_run","projectName":"nf-core/demo"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["workflowId"])')
api PUT "/trace/$wf/begin" "{\"workflow\":{\"id\":\"$wf\",\"runName\":\"schema_run\",\"sessionId\":\"5b2e8d1c-0000-4000-8000-00000000abcd\",\"projectName\":\"nf-core/demo\",\"userName\":\"ci\",\"workDir\":\"/work\",\"commandLine\":\"nextflow run nf-core/demo\",\"start\":\"2024-01-01T10:00:00Z\"},\"processNames\":[\"FASTQC\"]}" >/dev/null
api PUT "/trace/$wf/progress" '{"tasks":[{"taskId":1,"status":"COMPLETED","name":"FASTQC (1)","process":"FASTQC","hash":"ab/123456","cpus":2,"realtime":1000,"exit":0}],"progress":{"succeeded":1,"processes":[{"index":1,"name":"FASTQC","succeeded":1}]}}' >/dev/null
label=$(api POST /labels '{"name":"seeded"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
creds=$(api POST /credentials '{"credentials":{"name":"seeded","provider":"github","keys":{"username":"ci","token":"seeded-token"}}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["credentialsId"])')
ssh_creds=$(api POST /credentials '{"credentials":{"name":"seeded-ssh","provider":"ssh","keys":{"privateKey":"-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----"}}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["credentialsId"])')
ce=$(api POST /compute-envs "{\"computeEnv\":{\"name\":\"seeded\",\"platform\":\"slurm-platform\",\"credentialsId\":\"$ssh_creds\",\"config\":{\"workDir\":\"/scratch\",\"hostName\":\"127.0.0.1\",\"port\":9,\"userName\":\"nobody\"}}}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["computeEnvId"])')
repo="$work/repo"
mkdir -p "$repo" && echo '{"title":"seeded"}' >"$repo/nextflow_schema.json"
git -C "$repo" init -q -b main && git -C "$repo" add . && git -C "$repo" -c user.name=CI -c user.email=ci@example.com commit -q -m schema
read -r pipeline version < <(api POST /pipelines "{\"name\":\"seeded\",\"launch\":{\"pipeline\":\"file://$repo\"}}" |
  python3 -c 'import json,sys; p = json.load(sys.stdin)["pipeline"]; print(p["pipelineId"], p["version"]["id"])')
# An organization of the token's user with a workspace, a team and a member in both, so that the
# operations on them get past the permission checks.
at() { python3 -c "import json,sys; d = json.load(sys.stdin); print($1)"; }
org=$(api POST /orgs '{"organization":{"name":"seeded-org","fullName":"Seeded org"}}' | at 'd["organization"]["orgId"]')
org_ws=$(api POST "/orgs/$org/workspaces" '{"workspace":{"name":"seeded-ws","fullName":"Seeded","visibility":"PRIVATE"}}' |
  at 'd["workspace"]["id"]')
team=$(api POST "/orgs/$org/teams" '{"team":{"name":"seeded-team"}}' | at 'd["team"]["teamId"]')
member=$(api PUT "/orgs/$org/members/add" '{"user":"member@schemathesis.example.com"}' | at 'd["member"]["memberId"]')
api POST "/orgs/$org/teams/$team/members" '{"userNameOrEmail":"member@schemathesis.example.com"}' >/dev/null
participant=$(api PUT "/orgs/$org/workspaces/$org_ws/participants/add" "{\"memberId\":$member}" | at 'd["participant"]["participantId"]')
# What DeleteOrganization and DeleteWorkspace delete: not the ones the other operations use.
doomed_org=$(api POST /orgs '{"organization":{"name":"doomed-org","fullName":"Deleted by a test"}}' | at 'd["organization"]["orgId"]')
doomed_ws=$(api POST "/orgs/$org/workspaces" '{"workspace":{"name":"doomed-ws","fullName":"Deleted by a test","visibility":"PRIVATE"}}' |
  at 'd["workspace"]["id"]')
self=$(api GET /user-info | at 'd["user"]["id"]')
# A dataset with a version (and one for DeleteDatasetV2 to delete).
dataset=$(api POST /datasets '{"name":"seeded"}' | at 'd["dataset"]["id"]')
printf 'sample,fastq\nA,a.fq\n' >"$work/samples.csv"
curl -fsS "$url/datasets/$dataset/upload?header=true" -H "Authorization: Bearer $token" -F "file=@$work/samples.csv;type=text/csv" >/dev/null
doomed_dataset=$(api POST /datasets '{"name":"doomed"}' | at 'd["dataset"]["id"]')
# Actions: one of each source (the github one for its hook), and one for DeleteAction to delete.
action_launch="{\"computeEnvId\":\"$ce\",\"pipeline\":\"file://$repo\"}"
action=$(api POST /actions "{\"name\":\"seeded\",\"source\":\"tower\",\"launch\":$action_launch}" | at 'd["actionId"]')
github_action=$(api POST /actions "{\"name\":\"seeded-push\",\"source\":\"github\",\"launch\":$action_launch}" | at 'd["actionId"]')
hook=$(api GET "/actions/$github_action" | at 'd["action"]["hookId"]')
api POST /actions "{\"name\":\"seeded-nightly\",\"source\":\"cron\",\"launch\":$action_launch,\"cron\":{\"expression\":\"0 3 * * *\"}}" >/dev/null
doomed_action=$(api POST /actions "{\"name\":\"doomed\",\"source\":\"tower\",\"launch\":$action_launch}" | at 'd["actionId"]')
# An event of the audit log (the token's user owns the seeded organization).
audit_event=$(api GET "/admin/audit-logs-v2?max=1" | at 'd["auditLogs"][0]["id"]')
secret=$(api POST /pipeline-secrets '{"name":"SEEDED","value":"seeded-value"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["secretId"])')

cat >"$work/schemathesis.toml" <<TOML
[parameters]
"path.workflowId" = "$wf"
"path.taskId" = 1
"path.labelId" = $label
"path.credentialsId" = "$creds"
"path.secretId" = $secret
"path.computeEnvId" = "$ce"
"path.platformId" = "slurm-platform"
"path.pipelineId" = $pipeline
"path.versionId" = "$version"
"path.orgId" = $org
"path.workspaceId" = $org_ws
"path.teamId" = $team
"path.memberId" = $member
"path.userId" = $self
"path.participantId" = $participant
"path.datasetId" = "$dataset"
"path.version" = "1"
"path.fileName" = "samples.csv"
"path.actionId" = "$action"
"path.hookId" = "$hook"
"path.auditLogId" = $audit_event

[[operations]]
include-operation-id = "DeleteOrganization"
parameters = { "path.orgId" = $doomed_org }

[[operations]]
include-operation-id = "DeleteDatasetV2"
parameters = { "path.datasetId" = "$doomed_dataset" }

[[operations]]
include-operation-id = "DeleteAction"
parameters = { "path.actionId" = "$doomed_action" }

[[operations]]
include-operation-id = "DeleteWorkspace"
parameters = { "path.workspaceId" = $doomed_ws }
TOML

echo "schemathesis $SCHEMATHESIS_VERSION against $url (run $wf)"
st --config-file "$work/schemathesis.toml" run openapi/openapi.yaml --url "$url" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id DeleteAllTokens --exclude-operation-id DeleteToken --exclude-operation-id LiveEvents \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" --workers 2 --no-color \
  --phases examples,fuzzing,stateful
# LiveEvents is an endless event stream (tested in backend/tests/api/live.rs).
# The coverage phase is left out: on this CPython (3.11.7) it crashes inside hypothesis with
# "SystemError: AST constructor recursion depth mismatch" (a CPython bug), before it sends a request.
