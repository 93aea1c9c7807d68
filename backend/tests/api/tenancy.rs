//! Organizations, workspaces, teams and roles: a walk through the tenancy API as people use it,
//! and the cross-tenant matrix: for every operation of the generated OpenAPI document and every
//! persona (no relation, each workspace role, organization owner, another organization's owner,
//! root), the expected allow or deny, checked over HTTP. A denied call by an outsider gets the
//! same answer as a call about something that does not exist.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{json, Value};
use tower_backend::auth::permissions::{self, predefined};
use tower_backend::store::{self, org::OrgFields, org::WorkspaceFields};

use crate::both;
use crate::helpers::TestApp;
use crate::trace::{progress_body, task};

static SEQ: AtomicUsize = AtomicUsize::new(0);
fn unique(prefix: &str) -> String {
    format!("{prefix}{}x{}", std::process::id() % 10000, SEQ.fetch_add(1, Ordering::Relaxed))
}

async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    app.send(method, path, Some(token), body.as_ref()).await
}

async fn a_team_shares_an_organization_workspace_by_role(app: &TestApp) {
    let owner = app.token.clone();
    let bob = app.token_for("bob@example.com").await;
    let carol = app.token_for("carol@example.com").await;
    let eve = app.token_for("eve@example.com").await;

    // Alice creates an organization and a workspace.
    let (s, org) = call(app, Method::POST, "/orgs", &owner, Some(json!({"organization": {"name": "acme", "fullName": "Acme Labs"}}))).await;
    assert_eq!(s, 200, "{org}");
    assert_eq!(org["organization"]["memberRole"], "owner");
    let org_id = org["organization"]["orgId"].as_i64().unwrap();
    let (s, dup) = call(app, Method::POST, "/orgs", &bob, Some(json!({"organization": {"name": "acme", "fullName": "Other"}}))).await;
    assert_eq!((s, dup["message"].as_str().unwrap().contains("already exists")), (409, true));
    let (s, bad) = call(app, Method::POST, "/orgs", &owner, Some(json!({"organization": {"name": "-bad name", "fullName": "x"}}))).await;
    assert_eq!(s, 400, "{bad}");
    let (s, ws) = call(
        app,
        Method::POST,
        &format!("/orgs/{org_id}/workspaces"),
        &owner,
        Some(json!({"workspace": {"name": "genomics", "fullName": "Genomics", "visibility": "PRIVATE"}})),
    )
    .await;
    assert_eq!(s, 200, "{ws}");
    let ws_id = ws["workspace"]["id"].as_i64().unwrap();

    // Bob joins the organization and the workspace as a launcher; Carol through a team as a viewer.
    let (s, m) = call(app, Method::PUT, &format!("/orgs/{org_id}/members/add"), &owner, Some(json!({"user": "bob@example.com"}))).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["member"]["role"], "member");
    let (s, _) = call(app, Method::PUT, &format!("/orgs/{org_id}/members/add"), &owner, Some(json!({"user": "carol@example.com"}))).await;
    assert_eq!(s, 200);
    let (s, p) = call(
        app,
        Method::PUT,
        &format!("/orgs/{org_id}/workspaces/{ws_id}/participants/add"),
        &owner,
        Some(json!({"userNameOrEmail": "bob"})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!((p["participant"]["wspRole"].as_str(), p["participant"]["type"].as_str()), (Some("view"), Some("MEMBER")));
    let pid = p["participant"]["participantId"].as_i64().unwrap();
    let (s, _) = call(
        app,
        Method::PUT,
        &format!("/orgs/{org_id}/workspaces/{ws_id}/participants/{pid}/role"),
        &owner,
        Some(json!({"role": "launch"})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, team) = call(app, Method::POST, &format!("/orgs/{org_id}/teams"), &owner, Some(json!({"team": {"name": "readers"}}))).await;
    assert_eq!(s, 200, "{team}");
    let team_id = team["team"]["teamId"].as_i64().unwrap();
    let (s, _) = call(
        app,
        Method::POST,
        &format!("/orgs/{org_id}/teams/{team_id}/members"),
        &owner,
        Some(json!({"userNameOrEmail": "carol@example.com"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, tp) =
        call(app, Method::PUT, &format!("/orgs/{org_id}/workspaces/{ws_id}/participants/add"), &owner, Some(json!({"teamId": team_id})))
            .await;
    assert_eq!((s, tp["participant"]["type"].as_str()), (200, Some("TEAM")));

    // The switcher shows Bob his workspace and role.
    let (_, me) = call(app, Method::GET, "/user-info", &bob, None).await;
    let bob_id = me["user"]["id"].as_i64().unwrap();
    let (s, list) = call(app, Method::GET, &format!("/user/{bob_id}/workspaces"), &bob, None).await;
    assert_eq!(s, 200, "{list}");
    let entries = list["orgsAndWorkspaces"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["workspaceId"] == ws_id && e["roles"] == json!(["launch"])), "{list}");
    assert_eq!(call(app, Method::GET, &format!("/user/{bob_id}/workspaces"), &carol, None).await.0, 403, "only oneself");

    // Bob reports a Nextflow run into the workspace; Carol sees it but cannot report or delete.
    let (s, created) = call(
        app,
        Method::POST,
        &format!("/trace/create?workspaceId={ws_id}"),
        &bob,
        Some(json!({"sessionId": "0b5e1f4e-1111-4000-8000-000000000001", "runName": "team_run"})),
    )
    .await;
    assert_eq!(s, 200, "{created}");
    let run = created["workflowId"].as_str().unwrap().to_string();
    let (s, denied) = call(
        app,
        Method::POST,
        &format!("/trace/create?workspaceId={ws_id}"),
        &carol,
        Some(json!({"sessionId": "0b5e1f4e-1111-4000-8000-000000000002", "runName": "nope"})),
    )
    .await;
    assert_eq!(s, 403, "a viewer may not launch: {denied}");
    let (s, runs) = call(app, Method::GET, &format!("/workflow?workspaceId={ws_id}&includeTotalSize=true"), &carol, None).await;
    assert_eq!((s, runs["totalSize"].as_i64()), (200, Some(1)), "{runs}");
    assert_eq!(call(app, Method::GET, &format!("/workflow/{run}?workspaceId={ws_id}"), &carol, None).await.0, 200);
    assert_eq!(call(app, Method::DELETE, &format!("/workflow/{run}?workspaceId={ws_id}&force=true"), &carol, None).await.0, 403);
    // Outside the workspace context the run does not exist, for anyone.
    let (s, b) = call(app, Method::GET, &format!("/workflow/{run}"), &bob, None).await;
    let (s2, b2) = call(app, Method::GET, "/workflow/ZZZZZZZZZZZZZZ", &bob, None).await;
    assert_eq!((s, s2), (404, 404));
    assert_eq!(b["message"].as_str().unwrap().replace(&run, "#"), b2["message"].as_str().unwrap().replace("ZZZZZZZZZZZZZZ", "#"));

    // Eve, in no organization, learns nothing: the same 403 as for a workspace that does not exist.
    let (s, e1) = call(app, Method::GET, &format!("/workflow?workspaceId={ws_id}"), &eve, None).await;
    let (s2, e2) = call(app, Method::GET, "/workflow?workspaceId=987654321", &eve, None).await;
    assert_eq!((s, s2), (403, 403));
    assert_eq!(e1["message"].as_str().unwrap().replace(&ws_id.to_string(), "#"), e2["message"].as_str().unwrap().replace("987654321", "#"));
    assert_eq!(call(app, Method::GET, &format!("/orgs/{org_id}"), &eve, None).await.0, 403);
    let (_, eve_orgs) = call(app, Method::GET, "/orgs", &eve, None).await;
    assert_eq!(eve_orgs["totalSize"], 0);

    // A custom role grants exactly its permissions.
    let (s, r) = call(
        app,
        Method::POST,
        &format!("/roles?orgId={org_id}"),
        &owner,
        Some(json!({"name": "labeller", "description": "Reads and labels runs", "permissions": ["workflow:read", "workflow_label:write", "label:read"]})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let (s, _) = call(
        app,
        Method::PUT,
        &format!("/orgs/{org_id}/workspaces/{ws_id}/participants/{pid}/role"),
        &owner,
        Some(json!({"role": "labeller"})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(call(app, Method::GET, &format!("/workflow?workspaceId={ws_id}"), &bob, None).await.0, 200);
    let (s, _) = call(
        app,
        Method::POST,
        &format!("/trace/create?workspaceId={ws_id}"),
        &bob,
        Some(json!({"sessionId": "0b5e1f4e-1111-4000-8000-000000000003", "runName": "no_launch"})),
    )
    .await;
    assert_eq!(s, 403, "the custom role has no workflow:write");
    assert_eq!(call(app, Method::DELETE, &format!("/roles/labeller?orgId={org_id}"), &owner, None).await.0, 409, "held by Bob");

    // Removing Bob's participation takes effect at once; removing Carol from the team too.
    assert_eq!(call(app, Method::DELETE, &format!("/orgs/{org_id}/workspaces/{ws_id}/participants/{pid}"), &owner, None).await.0, 204);
    assert_eq!(call(app, Method::GET, &format!("/workflow?workspaceId={ws_id}"), &bob, None).await.0, 403);
    let (_, carol_info) = call(app, Method::GET, "/user-info", &carol, None).await;
    let carol_member = store::org::membership(app.db(), org_id, carol_info["user"]["id"].as_i64().unwrap()).await.unwrap().unwrap();
    let path = format!("/orgs/{org_id}/teams/{team_id}/members/{}/delete", carol_member.member_id);
    assert_eq!(call(app, Method::DELETE, &path, &owner, None).await.0, 204);
    assert_eq!(call(app, Method::GET, &format!("/workflow?workspaceId={ws_id}"), &carol, None).await.0, 403);

    // The last owner cannot leave; deleting the workspace deletes its runs.
    assert_eq!(call(app, Method::DELETE, &format!("/orgs/{org_id}/members/leave"), &owner, None).await.0, 409);
    assert_eq!(call(app, Method::DELETE, &format!("/orgs/{org_id}/workspaces/{ws_id}"), &owner, None).await.0, 204);
    assert_eq!(app.count("tw_workflow", "id", &run).await, 1, "kept for cron to purge");
    let deleted: bool = tower_backend::with_pool!(app.db(), p => sqlx::query_scalar("SELECT deleted FROM tw_workflow WHERE id = ?").bind(&run).fetch_one(p).await.unwrap());
    assert!(deleted);
}
both!(a_team_shares_an_organization_workspace_by_role);

// ------------------------------------------------------------------ the cross-tenant matrix

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Persona {
    None,
    View,
    Connect,
    Launch,
    Maintain,
    Admin,
    Owner,
    OrgOwner,
    OtherOrg,
    Root,
}

const PERSONAS: [Persona; 10] = [
    Persona::None,
    Persona::View,
    Persona::Connect,
    Persona::Launch,
    Persona::Maintain,
    Persona::Admin,
    Persona::Owner,
    Persona::OrgOwner,
    Persona::OtherOrg,
    Persona::Root,
];

impl Persona {
    fn workspace_role(self) -> Option<&'static str> {
        match self {
            Persona::View => Some("view"),
            Persona::Connect => Some("connect"),
            Persona::Launch => Some("launch"),
            Persona::Maintain => Some("maintain"),
            Persona::Admin => Some("admin"),
            Persona::Owner => Some("owner"),
            _ => None,
        }
    }
    /// The permissions the persona holds in the world's workspace.
    fn can(self, permission: &str) -> bool {
        let role = match self {
            Persona::OrgOwner | Persona::Root => Some("owner"),
            p => p.workspace_role(),
        };
        role.and_then(predefined).is_some_and(|set| set.contains(permission))
    }
    fn org_member(self) -> bool {
        self.workspace_role().is_some() || self == Persona::OrgOwner
    }
}

/// What an operation needs, from the route table's point of view.
#[derive(Debug, Clone, Copy)]
enum Needs {
    /// No credentials at all.
    Public,
    /// Any signed-in user (acts on their own things).
    User,
    /// A permission in the workspace of `workspaceId`.
    Ws(&'static str),
    /// The user who created the run (and root), with `workflow:write`.
    Reporter,
    /// A member of the organization (not a collaborator), or root.
    OrgMember,
    /// Any membership, or root.
    OrgAny,
    /// An actual membership (leaving needs one).
    OrgMembership,
    /// An organization owner, or root.
    OrgOwner,
    /// The owner of any organization (acting on their own organizations), or root.
    AnyOrgOwner,
    /// A direct participant of the workspace (leaving needs one).
    Participant,
    /// The user named in the path, or root.
    SelfOrRoot,
    /// Steps of signing in and out: they act on the caller's own session, never on a tenant's
    /// data, and have their own tests against a real OpenID provider (`auth` tests).
    SignIn,
    /// Requests signed with a resource's own secret (GitHub deliveries to an action's hook): no
    /// token, no tenant to act as; their own tests forge, replay and sign them (`actions`).
    Signed,
}

impl Needs {
    fn allows(self, p: Persona) -> bool {
        match self {
            Needs::Public | Needs::User | Needs::SignIn | Needs::Signed => true,
            Needs::Ws(perm) => p.can(perm),
            Needs::Reporter => p == Persona::Launch || p == Persona::Root,
            Needs::OrgMember | Needs::OrgAny => p.org_member() || p == Persona::Root,
            Needs::OrgMembership => p.org_member(),
            Needs::OrgOwner => p == Persona::OrgOwner || p == Persona::Root,
            Needs::AnyOrgOwner => matches!(p, Persona::OrgOwner | Persona::OtherOrg | Persona::Root),
            Needs::Participant => p.workspace_role().is_some(),
            Needs::SelfOrRoot => p == Persona::OrgOwner || p == Persona::Root,
        }
    }
}

/// Every operation of the API with what it needs. The test fails for an operation missing here,
/// so a new endpoint cannot skip the matrix.
fn needs(operation_id: &str) -> Option<Needs> {
    use permissions::*;
    use Needs::*;
    Some(match operation_id {
        "Info" | "Health" => Public,
        "UserInfo"
        | "TokenList"
        | "CreateToken"
        | "DeleteToken"
        | "DeleteAllTokens"
        | "GenerateRandomWorkflowName"
        | "ValidateWorkflowConstraints"
        | "ListOrganizations"
        | "CreateOrganization"
        | "ValidateOrganizationName" => User,
        "CreateTrace" => Ws(WORKFLOW_WRITE),
        "UpdateTraceBegin" | "UpdateTraceProgress" | "UpdateTraceHeartbeat" | "UpdateTraceComplete" => Reporter,
        "ListWorkflows"
        | "DescribeWorkflow"
        | "DescribeWorkflowProgress"
        | "ListWorkflowTasks"
        | "DescribeWorkflowTask"
        | "DescribeWorkflowMetrics"
        | "DescribeWorkflowLaunch"
        | "GetWorkflowLog"
        | "GetWorkflowTaskLog"
        | "DownloadWorkflowLog"
        | "DownloadWorkflowTaskLog" => Ws(WORKFLOW_READ),
        "UpdateWorkflow" => Ws(WORKFLOW_WRITE),
        "DeleteWorkflow" | "DeleteWorkflowMany" => Ws(WORKFLOW_DELETE),
        "CancelWorkflow" | "CreateWorkflowLaunch" => Ws(WORKFLOW_EXECUTE),
        "DescribeLaunch" => Ws(WORKFLOW_READ),
        "DescribeWorkflowStar" => Ws(WORKFLOW_STAR_READ),
        "CreateWorkflowStar" => Ws(WORKFLOW_STAR_WRITE),
        "DeleteWorkflowStar" => Ws(WORKFLOW_STAR_DELETE),
        "AddLabelsToWorkflows" | "RemoveLabelsFromWorkflows" | "ApplyLabelsToWorkflows" => Ws(WORKFLOW_LABEL_WRITE),
        "ListLabels" => Ws(LABEL_READ),
        "CreateLabel" | "UpdateLabel" => Ws(LABEL_WRITE),
        "DeleteLabel" => Ws(LABEL_DELETE),
        "DescribeOrganization" | "ListWorkspaces" => OrgAny,
        "UpdateOrganization"
        | "DeleteOrganization"
        | "CreateOrganizationMember"
        | "DeleteOrganizationMember"
        | "UpdateOrganizationMemberRole"
        | "CreateOrganizationTeam"
        | "UpdateOrganizationTeam"
        | "DeleteOrganizationTeam"
        | "CreateOrganizationTeamMember"
        | "DeleteOrganizationTeamMember"
        | "CreateRole"
        | "UpdateRole"
        | "DeleteRole"
        | "CreateWorkspace"
        | "ValidateWorkspaceName" => OrgOwner,
        "ListOrganizationMembers"
        | "ListOrganizationCollaborators"
        | "ListOrganizationTeams"
        | "ValidateTeamName"
        | "DescribeOrganizationTeam"
        | "ListOrganizationTeamMembers"
        | "ListWorkspacesByTeam"
        | "ListRoles"
        | "ListRolePermissions"
        | "ValidateRoleName"
        | "DescribeRole" => OrgMember,
        "LeaveOrganization" => OrgMembership,
        "DescribeWorkspace" | "ListWorkspaceParticipants" => Ws(WORKSPACE_READ),
        "UpdateWorkspace"
        | "CreateWorkspaceParticipant"
        | "DeleteWorkspaceParticipant"
        | "UpdateWorkspaceParticipantRole"
        | "DeleteWorkspaceUser" => Ws(WORKSPACE_WRITE),
        "DeleteWorkspace" => Ws(WORKSPACE_DELETE),
        "LeaveWorkspaceParticipant" => Participant,
        "ListWorkspacesUser" | "DescribeUser" | "UpdateUser" => SelfOrRoot,
        "LiveEvents" => Ws(WORKFLOW_READ),
        "ListCredentials" | "DescribeCredentials" => Ws(CREDENTIALS_READ),
        "CreateCredentials" | "UpdateCredentials" | "ValidateCredentialsName" => Ws(CREDENTIALS_WRITE),
        "DeleteCredentials" => Ws(CREDENTIALS_DELETE),
        "GetEncryptedCredentials" => Ws(CREDENTIALS_USE),
        "ListPipelineSecrets" | "DescribePipelineSecret" => Ws(PIPELINE_SECRET_READ),
        "CreatePipelineSecret" | "UpdatePipelineSecret" | "ValidatePipelineSecretName" => Ws(PIPELINE_SECRET_WRITE),
        "DeletePipelineSecret" => Ws(PIPELINE_SECRET_DELETE),
        "ListComputeEnvs" | "DescribeComputeEnv" | "ListPlatforms" | "DescribePlatform" | "ListPlatformRegions" => Ws(COMPUTE_ENV_READ),
        "CreateComputeEnv"
        | "UpdateComputeEnv"
        | "ValidateComputeEnvName"
        | "UpdateComputeEnvPrimary"
        | "DisableComputeEnv"
        | "EnableComputeEnv"
        | "ValidateComputeEnv" => Ws(COMPUTE_ENV_WRITE),
        "DeleteComputeEnv" => Ws(COMPUTE_ENV_DELETE),
        "ListPipelines" | "DescribePipeline" | "DescribePipelineLaunch" => Ws(PIPELINE_READ),
        "CreatePipeline" | "UpdatePipeline" | "ValidatePipelineName" => Ws(PIPELINE_WRITE),
        "AddLabelsToPipelines" | "RemoveLabelsFromPipelines" | "ApplyLabelsToPipelines" => Ws(PIPELINE_WRITE),
        "DeletePipeline" => Ws(PIPELINE_DELETE),
        "ListPipelineVersions" => Ws(PIPELINE_READ),
        "ListLaunchDatasetVersions" => Ws(WORKFLOW_READ),
        "ListActions" | "DescribeAction" | "ListActionTypes" | "ResolveCronExpression" => Ws(ACTION_READ),
        "CreateAction"
        | "UpdateAction"
        | "ValidateActionName"
        | "PauseAction"
        | "AddLabelsToActions"
        | "RemoveLabelsFromActions"
        | "ApplyLabelsToActions" => Ws(ACTION_WRITE),
        "DeleteAction" => Ws(ACTION_DELETE),
        // Every role that may launch may read actions.
        "LaunchAction" => Ws(WORKFLOW_EXECUTE),
        "GithubActionHook" => Signed,
        "ListAuditLogsV2" | "ExportAuditLogsV2Csv" => AnyOrgOwner,
        "DescribeAuditLogV2" => OrgOwner,
        "ListDatasetsV2"
        | "DescribeDatasetV2"
        | "ListDatasetVersionsV2"
        | "ListLatestDatasetVersionsV2"
        | "DownloadDatasetV2"
        | "ListDatasets"
        | "DescribeDataset"
        | "ListDatasetVersions"
        | "ListWorkspaceDatasetVersions" => Ws(DATASET_READ),
        "CreateDatasetV2"
        | "UpdateDatasetV2"
        | "UploadDatasetV2"
        | "CreateDataset"
        | "UpdateDataset"
        | "UploadDataset"
        | "DisableDatasetVersion"
        | "HideDatasets"
        | "ShowDatasets"
        | "AddLabelsToDatasets"
        | "RemoveLabelsFromDatasets"
        | "ApplyLabelsToDatasets" => Ws(DATASET_WRITE),
        "DeleteDatasets" | "DeleteDatasetV2" | "DeleteDataset" => Ws(DATASET_DELETE),
        "ValidatePipelineVersionName" | "UpdatePipelineVersion" | "ManagePipelineVersion" => Ws(PIPELINE_WRITE),
        "DescribePipelineRepository" | "ListPipelineRepositories" | "DescribePipelineSchema" => Ws(PIPELINE_READ),
        "OidcLogin" | "OidcCallback" | "EmailSignIn" | "EmailSignInVerify" | "TokenSignIn" | "RefreshAccessToken" | "Logout" => SignIn,
        _ => return None,
    })
}

struct Personas {
    tokens: HashMap<Persona, String>,
    ids: HashMap<Persona, i64>,
}

/// One organization with a workspace where each persona holds its role, a run reported by the
/// launcher, a task, a label, a team, a custom role and spare members to act on.
struct World {
    org: i64,
    ws: i64,
    run: String,
    label: i64,
    team: i64,
    role: String,
    target_member: i64,
    target_user: i64,
    target_participant: i64,
    spare_email: String,
    credentials: String,
    secret: i64,
    compute_env: String,
    ssh_credentials: String,
    pipeline: i64,
    pipeline_version: String,
    launch: String,
    dataset: String,
    action: String,
    audit_event: i64,
}

async fn personas(app: &TestApp) -> Personas {
    let mut tokens = HashMap::new();
    let mut ids = HashMap::new();
    for p in PERSONAS {
        let email = if p == Persona::Root {
            "root@example.com".to_string()
        } else {
            format!("{}@matrix.example.com", format!("{p:?}").to_lowercase())
        };
        let token = app.token_for(&email).await;
        let user = store::user::find_by_email(app.db(), &email).await.unwrap().unwrap();
        tokens.insert(p, token);
        ids.insert(p, user.id);
    }
    let other = OrgFields { name: unique("other"), full_name: "Other".into(), ..Default::default() };
    let other_org = store::org::create_org(app.db(), ids[&Persona::OtherOrg], &other).await.unwrap();
    let ws = WorkspaceFields { name: "elsewhere".into(), full_name: "Elsewhere".into(), description: None, visibility: "SHARED".into() };
    store::org::create_workspace(app.db(), other_org, &ws).await.unwrap();
    Personas { tokens, ids }
}

async fn world(app: &TestApp, who: &Personas) -> World {
    let db = app.db();
    let org = store::org::create_org(
        db,
        who.ids[&Persona::OrgOwner],
        &OrgFields { name: unique("org"), full_name: "Org".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let ws = store::org::create_workspace(
        db,
        org,
        &WorkspaceFields { name: "main".into(), full_name: "Main".into(), description: None, visibility: "PRIVATE".into() },
    )
    .await
    .unwrap();
    for p in PERSONAS {
        if let Some(role) = p.workspace_role() {
            let m = store::org::add_member(db, org, who.ids[&p], "member").await.unwrap();
            store::org::add_participant(db, ws, Some(m), None, role).await.unwrap();
        }
    }
    let co_owner = store::user::ensure(db, &format!("{}@matrix.example.com", unique("coowner"))).await.unwrap();
    store::org::add_member(db, org, co_owner.id, "owner").await.unwrap();
    let target = store::user::ensure(db, &format!("{}@matrix.example.com", unique("target"))).await.unwrap();
    let target_member = store::org::add_member(db, org, target.id, "member").await.unwrap();
    let target_participant = store::org::add_participant(db, ws, Some(target_member), None, "view").await.unwrap();
    let spare_email = format!("{}@matrix.example.com", unique("spare"));
    let spare = store::user::ensure(db, &spare_email).await.unwrap();
    store::org::add_member(db, org, spare.id, "member").await.unwrap();
    let team = store::org::create_team(db, org, &unique("team"), None).await.unwrap();
    store::org::add_team_member(db, team, target_member).await.unwrap();
    let role = unique("custom");
    let row = store::org::RoleRow { name: role.clone(), description: "Custom".into(), permissions: "workflow:read".into() };
    store::org::create_role(db, org, &row).await.unwrap();
    let scope = store::label::Scope { user_id: who.ids[&Persona::OrgOwner], workspace_id: Some(ws) };
    let label_name = unique("lbl");
    store::label::create(db, scope, &label_name, None, false, false, 0).await.unwrap();
    let label = store::label::find_by_name(db, scope, &label_name, None).await.unwrap().unwrap().id;

    let launcher = &who.tokens[&Persona::Launch];
    let (s, b) = call(
        app,
        Method::POST,
        &format!("/trace/create?workspaceId={ws}"),
        launcher,
        Some(json!({"sessionId": "0b5e1f4e-2222-4000-8000-000000000001", "runName": unique("run")})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let run = b["workflowId"].as_str().unwrap().to_string();
    let (s, b) = call(app, Method::PUT, &format!("/trace/{run}/begin?workspaceId={ws}"), launcher, Some(begin_body(&run))).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) =
        call(app, Method::PUT, &format!("/trace/{run}/progress?workspaceId={ws}"), launcher, Some(progress_body(vec![task(1, "RUNNING")])))
            .await;
    assert_eq!(s, 200, "{b}");
    let owner = &who.tokens[&Persona::Owner];
    let creds = json!({"credentials": {"name": unique("c"), "provider": "github", "keys": {"username": "u", "token": "t"}}});
    let (s, b) = call(app, Method::POST, &format!("/credentials?workspaceId={ws}"), owner, Some(creds)).await;
    assert_eq!(s, 200, "{b}");
    let credentials = b["credentialsId"].as_str().unwrap().to_string();
    let (s, b) =
        call(app, Method::POST, &format!("/pipeline-secrets?workspaceId={ws}"), owner, Some(json!({"name": "WORLD_SECRET", "value": "v"})))
            .await;
    assert_eq!(s, 200, "{b}");
    let secret = b["secretId"].as_i64().unwrap();
    let ssh = json!({"credentials": {"name": unique("ssh"), "provider": "ssh", "keys": {"privateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----"}}});
    let (s, b) = call(app, Method::POST, &format!("/credentials?workspaceId={ws}"), owner, Some(ssh)).await;
    assert_eq!(s, 200, "{b}");
    let ssh_credentials = b["credentialsId"].as_str().unwrap().to_string();
    let ce = json!({"computeEnv": {"name": unique("ce"), "platform": "slurm-platform", "credentialsId": ssh_credentials,
        "config": {"workDir": "/scratch", "hostName": "127.0.0.1", "port": 9, "userName": "nobody"}}});
    let (s, b) = call(app, Method::POST, &format!("/compute-envs?workspaceId={ws}"), owner, Some(ce)).await;
    assert_eq!(s, 200, "{b}");
    let compute_env = b["computeEnvId"].as_str().unwrap().to_string();
    // As if its checks had passed, so that launches on it get past their pre-flight checks (the
    // host does not exist: the submission then fails in the background).
    while tower_backend::store::compute_env::find_any(db, &compute_env).await.unwrap().unwrap().status == "CREATING" {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tower_backend::store::compute_env::finish_check(db, &compute_env, "AVAILABLE", None, None, 0).await.unwrap();
    let (s, b) = call(
        app,
        Method::POST,
        &format!("/pipelines?workspaceId={ws}"),
        owner,
        Some(json!({"name": unique("p"), "launch": {"pipeline": matrix_repo()}})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let pipeline = b["pipeline"]["pipelineId"].as_i64().unwrap();
    let pipeline_version = b["pipeline"]["version"]["id"].as_str().unwrap().to_string();
    let body = json!({"launch": {"computeEnvId": compute_env, "pipeline": "nf/matrix"}});
    let (s, b) = call(app, Method::POST, &format!("/workflow/launch?workspaceId={ws}"), owner, Some(body)).await;
    assert_eq!(s, 200, "{b}");
    let launched = b["workflowId"].as_str().unwrap().to_string();
    let (_, b) = call(app, Method::GET, &format!("/workflow/{launched}/launch?workspaceId={ws}"), owner, None).await;
    let launch = b["launch"]["id"].as_str().unwrap().to_string();
    let (s, b) = call(app, Method::POST, &format!("/datasets?workspaceId={ws}"), owner, Some(json!({"name": unique("d")}))).await;
    assert_eq!(s, 200, "{b}");
    let dataset = b["dataset"]["id"].as_str().unwrap().to_string();
    let file = tower_backend::store::dataset::NewVersion {
        file_name: "samples.csv",
        media_type: "text/csv",
        has_header: true,
        content: b"sample\nA\n",
        created_by: who.ids[&Persona::Owner],
    };
    tower_backend::store::dataset::add_version(db, &format!("w:{ws}"), &dataset, &file, 0).await.unwrap();
    let body = json!({"name": unique("a"), "source": "tower", "launch": {"computeEnvId": compute_env, "pipeline": "nf/matrix"}});
    let (s, b) = call(app, Method::POST, &format!("/actions?workspaceId={ws}"), owner, Some(body)).await;
    assert_eq!(s, 200, "{b}");
    let action = b["actionId"].as_str().unwrap().to_string();
    let in_org = tower_backend::store::audit::Filter { orgs: Some(&[org]), ..Default::default() };
    let audit_event = tower_backend::store::audit::list(db, &in_org, 1).await.unwrap()[0].id;
    World {
        org,
        ws,
        run,
        label,
        team,
        role,
        target_member,
        target_user: target.id,
        target_participant,
        spare_email,
        credentials,
        secret,
        compute_env,
        ssh_credentials,
        pipeline,
        pipeline_version,
        launch,
        dataset,
        action,
        audit_event,
    }
}

fn begin_body(run: &str) -> Value {
    json!({"workflow": {"id": run, "runName": "matrix", "sessionId": "0b5e1f4e-2222-4000-8000-000000000001", "projectName": "nf/matrix", "userName": "launch",
        "workDir": "/work", "commandLine": "nextflow run nf/matrix", "start": "2024-01-01T10:00:00Z"}, "processNames": ["proc"], "towerLaunch": false})
}

/// A git repository with a parameter schema, for the operations that read one.
fn matrix_repo() -> String {
    static REPO: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    REPO.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tower-matrix-repo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nextflow_schema.json"), r#"{"title": "matrix"}"#).unwrap();
        for args in [
            &["init", "-q", "-b", "main"][..],
            &["add", "."],
            &["-c", "user.name=CI", "-c", "user.email=ci@example.com", "commit", "-q", "-m", "schema"],
        ] {
            let ok = std::process::Command::new("git").arg("-C").arg(&dir).args(args).status().unwrap().success();
            assert!(ok, "git {args:?}");
        }
        format!("file://{}", dir.display())
    })
    .clone()
}

/// A valid request body for an operation, so that an allowed call succeeds.
fn body(op: &str, w: &World) -> Option<Value> {
    Some(match op {
        "CreateTrace" => json!({"sessionId": "0b5e1f4e-3333-4000-8000-000000000001", "runName": unique("r")}),
        "UpdateTraceBegin" => begin_body(&w.run),
        "UpdateTraceProgress" => progress_body(vec![task(2, "SUBMITTED")]),
        "UpdateTraceHeartbeat" => json!({"progress": {}}),
        "UpdateTraceComplete" => {
            json!({"workflow": {"id": w.run, "complete": "2024-01-01T11:00:00Z", "success": true}, "metrics": [], "progress": {}})
        }
        "UpdateWorkflow" => json!({"schedRunId": "sched-1"}),
        "DeleteWorkflowMany" => json!({"workflowIds": [w.run]}),
        "AddLabelsToWorkflows" | "RemoveLabelsFromWorkflows" | "ApplyLabelsToWorkflows" => {
            json!({"workflowIds": [w.run], "labelIds": [w.label]})
        }
        "AddLabelsToPipelines" | "RemoveLabelsFromPipelines" | "ApplyLabelsToPipelines" => {
            json!({"pipelineIds": [w.pipeline], "labelIds": [w.label]})
        }
        "CreateLabel" => json!({"name": unique("l")}),
        "UpdateLabel" => json!({"name": unique("l")}),
        "CreateToken" => json!({"name": unique("t")}),
        "UpdateUser" => json!({"email": "orgowner@matrix.example.com", "userName": "orgowner", "notification": true}),
        "CreateOrganization" => json!({"organization": {"name": unique("o"), "fullName": "New org"}}),
        "UpdateOrganization" => json!({"fullName": "Renamed"}),
        "CreateOrganizationMember" => json!({"user": format!("{}@matrix.example.com", unique("new"))}),
        "UpdateOrganizationMemberRole" => json!({"role": "collaborator"}),
        "CreateOrganizationTeam" => json!({"team": {"name": unique("t")}}),
        "UpdateOrganizationTeam" => json!({"description": "Renamed"}),
        "CreateOrganizationTeamMember" => json!({"userNameOrEmail": w.spare_email}),
        "CreateRole" => json!({"name": unique("r"), "description": "A role", "permissions": ["workflow:read"]}),
        "UpdateRole" => json!({"description": "Changed"}),
        "CreateWorkspace" => json!({"workspace": {"name": unique("w"), "fullName": "New", "visibility": "PRIVATE"}}),
        "UpdateWorkspace" => json!({"fullName": "Renamed"}),
        "CreateWorkspaceParticipant" => json!({"userNameOrEmail": w.spare_email}),
        "UpdateWorkspaceParticipantRole" => json!({"role": "maintain"}),
        "CreateCredentials" => json!({"credentials": {"name": unique("c"), "provider": "gitlab", "keys": {"username": "u", "token": "t"}}}),
        "UpdateCredentials" => json!({"credentials": {"description": "Changed"}}),
        "CreatePipelineSecret" => json!({"name": unique("S_"), "value": "v"}),
        "UpdatePipelineSecret" => json!({"value": "changed"}),
        "CreateComputeEnv" => json!({"computeEnv": {"name": unique("ce"), "platform": "slurm-platform", "credentialsId": w.ssh_credentials,
            "config": {"workDir": "/scratch", "hostName": "127.0.0.1", "port": 9, "userName": "nobody"}}}),
        "UpdateComputeEnv" => json!({"description": "Changed"}),
        "CreateWorkflowLaunch" => json!({"launch": {"computeEnvId": w.compute_env, "pipeline": "nf/matrix"}}),
        "CreatePipeline" => json!({"name": unique("p"), "launch": {"pipeline": "nf/other"}}),
        "UpdatePipeline" | "UpdatePipelineVersion" => json!({"description": "Changed"}),
        "ManagePipelineVersion" => json!({"isDefault": true}),
        "CreateDatasetV2" | "CreateDataset" => json!({"name": unique("d")}),
        "UpdateDatasetV2" | "UpdateDataset" => json!({"description": "Changed"}),
        "DeleteDatasets" | "HideDatasets" | "ShowDatasets" => json!({"datasetIds": [w.dataset]}),
        "AddLabelsToDatasets" | "RemoveLabelsFromDatasets" | "ApplyLabelsToDatasets" => {
            json!({"datasetIds": [w.dataset], "labelIds": [w.label]})
        }
        "CreateAction" => {
            json!({"name": unique("a"), "source": "tower", "launch": {"computeEnvId": w.compute_env, "pipeline": "nf/matrix"}})
        }
        "UpdateAction" => json!({"name": unique("a")}),
        "LaunchAction" => json!({"params": {"matrix": true}}),
        "ResolveCronExpression" => json!({"expression": "0 6 * * 1-5", "timezone": "Europe/Madrid"}),
        "AddLabelsToActions" | "RemoveLabelsFromActions" | "ApplyLabelsToActions" => {
            json!({"actionIds": [w.action], "labelIds": [w.label]})
        }
        _ => return None,
    })
}

/// Path and query of an operation, with the world's ids (or ids that exist nowhere).
fn target(op: &Op, w: &World, who: &Personas, persona: Persona, own_token_id: i64, missing: bool) -> String {
    let (org, ws, run) = if missing { (987654321, 987654322, "ZZZZZZZZZZZZZZ".to_string()) } else { (w.org, w.ws, w.run.clone()) };
    let user = if matches!(op.id.as_str(), "ListWorkspacesUser" | "DescribeUser" | "UpdateUser") {
        who.ids[&Persona::OrgOwner]
    } else {
        w.target_user
    };
    let mut path = op.path.clone();
    for (k, v) in [
        ("orgId", org.to_string()),
        ("workspaceId", ws.to_string()),
        ("workflowId", run),
        ("taskId", "1".into()),
        ("labelId", w.label.to_string()),
        ("teamId", w.team.to_string()),
        ("memberId", w.target_member.to_string()),
        ("participantId", w.target_participant.to_string()),
        ("userId", user.to_string()),
        ("roleName", w.role.clone()),
        ("tokenId", own_token_id.to_string()),
        ("credentialsId", if missing { "ZZZZZZZZZZZZZZZZZZZZZZ".into() } else { w.credentials.clone() }),
        ("secretId", if missing { "987654323".into() } else { w.secret.to_string() }),
        ("computeEnvId", if missing { "YYYYYYYYYYYYYYYYYYYYYY".into() } else { w.compute_env.clone() }),
        ("platformId", "slurm-platform".into()),
        ("pipelineId", if missing { "987654324".into() } else { w.pipeline.to_string() }),
        ("datasetId", if missing { "VVVVVVVVVVVVVVVVVVVVVV".into() } else { w.dataset.clone() }),
        ("version", "1".into()),
        ("fileName", "samples.csv".into()),
        ("versionId", if missing { "WWWWWWWWWWWWWWWWWWWWWW".into() } else { w.pipeline_version.clone() }),
        ("launchId", if missing { "XXXXXXXXXXXXXXXXXXXXXX".into() } else { w.launch.clone() }),
        ("actionId", if missing { "UUUUUUUUUUUUUUUUUUUUUU".into() } else { w.action.clone() }),
        ("auditLogId", if missing { "987654325".into() } else { w.audit_event.to_string() }),
    ] {
        path = path.replace(&format!("{{{k}}}"), &v);
    }
    let _ = persona;
    let mut query = Vec::new();
    for q in &op.query {
        match q.as_str() {
            "workspaceId" => query.push(format!("workspaceId={ws}")),
            "orgId" => query.push(format!("orgId={org}")),
            "name" if op.id == "DescribePipelineRepository" => query.push(format!("name={}", matrix_repo())),
            "name" => query.push(format!("name={}", unique("n"))),
            "force" => query.push("force=true".into()),
            "runName" => query.push(format!("runName={}", unique("run"))),
            "fileName" => query.push("fileName=nextflow.log".into()),
            "pairingId" => query.push("pairingId=matrix-pairing".into()),
            _ => {}
        }
    }
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

struct Op {
    id: String,
    method: Method,
    path: String,
    query: Vec<String>,
}

fn operations() -> Vec<Op> {
    let doc: Value = serde_json::from_str(&tower_backend::api::routes().1.to_json().unwrap()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = method.to_uppercase().parse::<Method>() else { continue };
            let query = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "query").map(|p| p["name"].as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            ops.push(Op { id: op["operationId"].as_str().unwrap_or_default().to_string(), method: m, path: path.clone(), query });
        }
    }
    ops
}

/// The answer without the ids it names, to compare "forbidden" with "does not exist".
fn normalized(status: u16, body: &Value, w: &World) -> (u16, String) {
    let m = body["message"]
        .as_str()
        .unwrap_or_default()
        .replace(&w.run, "#")
        .replace(&w.credentials, "#")
        .replace(&w.compute_env, "#")
        .replace(&w.launch, "#")
        .replace(&w.dataset, "#")
        .replace(&w.action, "#")
        .replace("UUUUUUUUUUUUUUUUUUUUUU", "#")
        .replace("VVVVVVVVVVVVVVVVVVVVVV", "#")
        .replace("XXXXXXXXXXXXXXXXXXXXXX", "#")
        .replace("YYYYYYYYYYYYYYYYYYYYYY", "#")
        .replace("ZZZZZZZZZZZZZZZZZZZZZZ", "#")
        .replace("ZZZZZZZZZZZZZZ", "#");
    let mut out = String::new();
    for c in m.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('#') {
            out.push('#');
        }
    }
    (status, out)
}

async fn every_operation_allows_exactly_the_roles_that_hold_its_permission(app: &TestApp) {
    let ops = operations();
    let missing: Vec<&str> = ops.iter().filter(|o| needs(&o.id).is_none()).map(|o| o.id.as_str()).collect();
    assert!(missing.is_empty(), "operations without an entry in the authorization table: {missing:?}");
    let mut who = personas(app).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut outcomes: BTreeMap<String, String> = BTreeMap::new();
    let shared = world(app, &who).await;
    for op in &ops {
        let need = needs(&op.id).unwrap();
        let mutating = op.method != Method::GET;
        let mut row = String::new();
        if matches!(need, Needs::SignIn | Needs::Signed) {
            outcomes.insert(format!("{:<32}", op.id), "(sign-in flow or signed delivery)".into());
            continue;
        }
        for persona in PERSONAS {
            let expected = need.allows(persona);
            // An allowed write changes the world, so it gets a world of its own.
            let fresh;
            let w = if mutating && expected {
                fresh = world(app, &who).await;
                &fresh
            } else {
                &shared
            };
            let user_id = who.ids[&persona];
            let own_token = tower_backend::api::token::create_token(app.db(), user_id, &unique("own")).await.unwrap().0.id;
            let path = target(op, w, &who, persona, own_token, false);
            let token = if matches!(need, Needs::Public) { None } else { Some(who.tokens[&persona].clone()) };
            let (status, answer) = if op.id == "LiveEvents" {
                app.open_stream_status(&path, token.as_deref()).await
            } else {
                app.send(op.method.clone(), &path, token.as_deref(), body(&op.id, w).as_ref()).await
            };
            checked += 1;
            // A CLI-started run cannot be cancelled (a clear 400), and an unstarred run answers 404
            // "not starred": both mean the call got past authorization.
            let ok_status = match op.id.as_str() {
                "CancelWorkflow" => status == 400,
                // The matrix sends JSON; an upload is a multipart form.
                "UploadDatasetV2" | "UploadDataset" => {
                    status == 400 && answer["message"].as_str().is_some_and(|m| m.starts_with("The upload is not a multipart form"))
                }
                "DescribeWorkflowStar" => status == 200 || answer["message"].as_str().is_some_and(|m| m.contains("not starred")),
                _ => (200..300).contains(&status),
            };
            let denied = status == 403 || status == 404;
            row.push(if ok_status {
                'Y'
            } else if denied {
                '-'
            } else {
                '?'
            });
            if expected && !ok_status || !expected && !denied {
                failures.push(format!(
                    "{} {} as {persona:?}: expected {}, got {status} {answer}",
                    op.method,
                    path,
                    if expected { "allow" } else { "deny" }
                ));
            }
            if !expected && matches!(persona, Persona::None | Persona::OtherOrg) && denied {
                let missing_path = target(op, w, &who, persona, own_token, true);
                let missing_body =
                    body(&op.id, w).map(|b| serde_json::from_str::<Value>(&b.to_string().replace(&w.run, "ZZZZZZZZZZZZZZ")).unwrap());
                let (s2, b2) = if op.id == "LiveEvents" {
                    app.open_stream_status(&missing_path, token.as_deref()).await
                } else {
                    app.send(op.method.clone(), &missing_path, token.as_deref(), missing_body.as_ref()).await
                };
                if normalized(status, &answer, w) != normalized(s2, &b2, w) {
                    failures.push(format!(
                        "{} {path} as {persona:?} tells more than for a missing resource: {status} {answer} vs {s2} {b2}",
                        op.method
                    ));
                }
            }
            if op.id == "DeleteAllTokens" && ok_status {
                who.tokens.insert(persona, tower_backend::api::token::create_token(app.db(), user_id, &unique("again")).await.unwrap().1);
            }
        }
        outcomes.insert(format!("{:<32}", op.id), row);
    }
    let table: Vec<String> = outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
    eprintln!(
        "operation                        {}\n{}",
        PERSONAS.map(|p| format!("{p:?}").chars().next().unwrap()).iter().collect::<String>(),
        table.join("\n")
    );
    let sign_in = ops.iter().filter(|o| matches!(needs(&o.id), Some(Needs::SignIn | Needs::Signed))).count();
    assert_eq!(checked, (ops.len() - sign_in) * PERSONAS.len());
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
}
both!(every_operation_allows_exactly_the_roles_that_hold_its_permission);
