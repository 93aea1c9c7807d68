//! The audit log's rules: which operations are security events, under which event name (Seqera's
//! `AuditEventType` where it has one), on what kind of target (`AuditImageType`) and where the
//! target's id is read from. Every operation that changes something is either here or in
//! [`NOT_AUDITED`] with the reason (a test holds the OpenAPI document to that).

use std::sync::{Arc, Mutex};

/// Who acted, as the request's authentication resolved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub token_id: Option<i64>,
    pub is_root: bool,
}

/// Where the authentication of a request leaves its actor for the audit log to read after the
/// handler ran (the handler consumes the request).
#[derive(Debug, Clone, Default)]
pub struct ActorSlot(Arc<Mutex<Option<Actor>>>);

impl ActorSlot {
    pub fn set(&self, actor: Actor) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(actor);
    }

    pub fn get(&self) -> Option<Actor> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a handler tells the audit log that the request alone does not say: who signed in, or
/// which action a signed delivery started and as whom.
#[derive(Debug, Clone, Default)]
pub struct Note {
    pub user_id: Option<i64>,
    pub target_id: Option<String>,
    /// `system` when the actor is not a person at a client (a webhook delivery, a schedule).
    pub system: bool,
}

/// Where a target's id comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    /// A path parameter.
    Path(&'static str),
    /// A JSON pointer into a successful answer (what a create made).
    Answer(&'static str),
    Nothing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audited {
    pub event: &'static str,
    pub target: &'static str,
    pub id: Id,
}

use Id::{Answer, Nothing, Path};

/// `(operationId, event, target type, target id)`.
const TABLE: &[(&str, &str, &str, Id)] = &[
    ("TokenSignIn", "user_sign_in", "user", Nothing),
    ("OidcCallback", "user_sign_in", "user", Nothing),
    ("EmailSignInVerify", "user_sign_in", "user", Nothing),
    ("Logout", "user_sign_out", "user", Nothing),
    ("CreateToken", "access_token_created", "access_token", Answer("/token/id")),
    ("DeleteToken", "access_token_deleted", "access_token", Path("tokenId")),
    ("DeleteAllTokens", "access_token_deleted", "access_token", Nothing),
    ("UpdateUser", "user_updated", "user", Path("userId")),
    ("CreateCredentials", "credentials_created", "credentials", Answer("/credentialsId")),
    ("UpdateCredentials", "credentials_updated", "credentials", Path("credentialsId")),
    ("DeleteCredentials", "credentials_deleted", "credentials", Path("credentialsId")),
    ("GetEncryptedCredentials", "credentials_read", "credentials", Path("credentialsId")),
    ("CreatePipelineSecret", "pipeline_secret_created", "pipeline_secret", Answer("/secretId")),
    ("UpdatePipelineSecret", "pipeline_secret_updated", "pipeline_secret", Path("secretId")),
    ("DeletePipelineSecret", "pipeline_secret_deleted", "pipeline_secret", Path("secretId")),
    ("CreateComputeEnv", "compute_environment_created", "compute_env", Answer("/computeEnvId")),
    ("UpdateComputeEnv", "compute_environment_updated", "compute_env", Path("computeEnvId")),
    ("DisableComputeEnv", "compute_environment_updated", "compute_env", Path("computeEnvId")),
    ("EnableComputeEnv", "compute_environment_updated", "compute_env", Path("computeEnvId")),
    ("UpdateComputeEnvPrimary", "compute_environment_made_primary", "compute_env", Path("computeEnvId")),
    ("DeleteComputeEnv", "compute_environment_deleted", "compute_env", Path("computeEnvId")),
    ("CreateOrganization", "organization_created", "organization", Answer("/organization/orgId")),
    ("UpdateOrganization", "organization_updated", "organization", Path("orgId")),
    ("DeleteOrganization", "organization_deleted", "organization", Path("orgId")),
    ("CreateOrganizationMember", "member_created", "member", Answer("/member/memberId")),
    ("DeleteOrganizationMember", "member_deleted", "member", Path("memberId")),
    ("LeaveOrganization", "member_deleted", "member", Nothing),
    ("UpdateOrganizationMemberRole", "member_role_updated", "member", Path("memberId")),
    ("CreateOrganizationTeam", "team_created", "team", Answer("/team/teamId")),
    ("UpdateOrganizationTeam", "team_updated", "team", Path("teamId")),
    ("DeleteOrganizationTeam", "team_deleted", "team", Path("teamId")),
    ("CreateOrganizationTeamMember", "team_member_created", "team_member", Path("teamId")),
    ("DeleteOrganizationTeamMember", "team_member_deleted", "team_member", Path("memberId")),
    ("CreateWorkspace", "workspace_created", "workspace", Answer("/workspace/id")),
    ("UpdateWorkspace", "workspace_updated", "workspace", Path("workspaceId")),
    ("DeleteWorkspace", "workspace_deleted", "workspace", Path("workspaceId")),
    ("CreateWorkspaceParticipant", "participant_added", "participant", Answer("/participant/participantId")),
    ("DeleteWorkspaceParticipant", "participant_removed", "participant", Path("participantId")),
    ("DeleteWorkspaceUser", "participant_removed", "participant", Path("userId")),
    ("LeaveWorkspaceParticipant", "participant_removed", "participant", Nothing),
    ("UpdateWorkspaceParticipantRole", "participant_role_updated", "participant", Path("participantId")),
    ("CreateRole", "role_created", "custom_role", Answer("/name")),
    ("UpdateRole", "role_updated", "custom_role", Path("roleName")),
    ("DeleteRole", "role_deleted", "custom_role", Path("roleName")),
    ("CreateWorkflowLaunch", "workflow_launched", "workflow", Answer("/workflowId")),
    ("CancelWorkflow", "workflow_cancelled", "workflow", Path("workflowId")),
    ("DeleteWorkflow", "workflow_deleted", "workflow", Path("workflowId")),
    ("DeleteWorkflowMany", "workflow_deleted", "workflow", Nothing),
    ("CreatePipeline", "pipeline_created", "pipeline", Answer("/pipeline/pipelineId")),
    ("UpdatePipeline", "pipeline_updated", "pipeline", Path("pipelineId")),
    ("UpdatePipelineVersion", "pipeline_updated", "pipeline", Path("pipelineId")),
    ("ManagePipelineVersion", "pipeline_updated", "pipeline", Path("pipelineId")),
    ("DeletePipeline", "pipeline_deleted", "pipeline", Path("pipelineId")),
    ("CreateAction", "action_created", "action", Answer("/actionId")),
    ("UpdateAction", "action_updated", "action", Path("actionId")),
    ("PauseAction", "action_updated", "action", Path("actionId")),
    ("DeleteAction", "action_deleted", "action", Path("actionId")),
    ("LaunchAction", "action_triggered", "action", Path("actionId")),
    ("GithubActionHook", "action_triggered", "action", Nothing),
    ("CreateDatasetV2", "dataset_created", "dataset", Answer("/dataset/id")),
    ("CreateDataset", "dataset_created", "dataset", Answer("/dataset/id")),
    ("UpdateDatasetV2", "dataset_updated", "dataset", Path("datasetId")),
    ("UpdateDataset", "dataset_updated", "dataset", Path("datasetId")),
    ("HideDatasets", "dataset_updated", "dataset", Nothing),
    ("ShowDatasets", "dataset_updated", "dataset", Nothing),
    ("DisableDatasetVersion", "dataset_updated", "dataset_version", Path("datasetId")),
    ("UploadDatasetV2", "dataset_content_uploaded", "dataset_version", Path("datasetId")),
    ("UploadDataset", "dataset_content_uploaded", "dataset_version", Path("datasetId")),
    ("DeleteDatasetV2", "dataset_deleted", "dataset", Path("datasetId")),
    ("DeleteDataset", "dataset_deleted", "dataset", Path("datasetId")),
    ("DeleteDatasets", "dataset_deleted", "dataset", Nothing),
];

/// Operations that change something but are not security events, and why.
pub const NOT_AUDITED: &[(&str, &str)] = &[
    ("CreateTrace", "Nextflow's own reports of a run (thousands per run; the run is the record)"),
    ("UpdateTraceBegin", "Nextflow's own reports of a run"),
    ("UpdateTraceProgress", "Nextflow's own reports of a run"),
    ("UpdateTraceHeartbeat", "Nextflow's own reports of a run"),
    ("UpdateTraceComplete", "Nextflow's own reports of a run"),
    ("RefreshAccessToken", "renews a session signed in before (the sign-in is the event)"),
    ("EmailSignIn", "asks for a link by mail; following the link is the sign-in"),
    ("ResolveCronExpression", "reads a schedule, changes nothing"),
    ("ValidateComputeEnv", "checks settings, changes nothing"),
    ("UpdateWorkflow", "a run's own fields (its name), not access"),
    ("CreateWorkflowStar", "a personal bookmark"),
    ("DeleteWorkflowStar", "a personal bookmark"),
    ("CreateLabel", "labels organize, they grant nothing"),
    ("UpdateLabel", "labels organize, they grant nothing"),
    ("DeleteLabel", "labels organize, they grant nothing"),
    ("AddLabelsToWorkflows", "labels organize, they grant nothing"),
    ("RemoveLabelsFromWorkflows", "labels organize, they grant nothing"),
    ("ApplyLabelsToWorkflows", "labels organize, they grant nothing"),
    ("AddLabelsToPipelines", "labels organize, they grant nothing"),
    ("RemoveLabelsFromPipelines", "labels organize, they grant nothing"),
    ("ApplyLabelsToPipelines", "labels organize, they grant nothing"),
    ("AddLabelsToDatasets", "labels organize, they grant nothing"),
    ("RemoveLabelsFromDatasets", "labels organize, they grant nothing"),
    ("ApplyLabelsToDatasets", "labels organize, they grant nothing"),
    ("AddLabelsToActions", "labels organize, they grant nothing"),
    ("RemoveLabelsFromActions", "labels organize, they grant nothing"),
    ("ApplyLabelsToActions", "labels organize, they grant nothing"),
];

/// How an operation is audited, if it is.
pub fn audited(operation_id: &str) -> Option<Audited> {
    TABLE.iter().find(|(op, ..)| *op == operation_id).map(|(_, event, target, id)| Audited { event, target, id: *id })
}

/// Events recorded outside a request: a launch opening stored secrets, a scheduled action.
pub const BACKGROUND_EVENTS: [&str; 3] = ["credentials_read", "pipeline_secret_read", "action_triggered"];

/// Every event name the log records (for filters and the web app).
pub fn events() -> Vec<&'static str> {
    let mut all: Vec<&str> = TABLE.iter().map(|(_, e, ..)| *e).chain(BACKGROUND_EVENTS).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The client address: the last `X-Forwarded-For` hop (what Tower's own proxy saw; earlier hops
/// are the client's word), else the peer.
pub fn client_ip(forwarded_for: Option<&str>, peer: Option<std::net::IpAddr>) -> Option<String> {
    forwarded_for
        .and_then(|f| f.rsplit(',').map(str::trim).find(|h| !h.is_empty()))
        .filter(|h| h.parse::<std::net::IpAddr>().is_ok())
        .map(str::to_string)
        .or_else(|| peer.map(|p| p.to_string()))
}

/// The values of a route's path parameters: `/orgs/{orgId}` against `/orgs/7` gives `orgId = 7`.
pub fn path_params(template: &str, path: &str) -> Vec<(String, String)> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, v)| t.strip_prefix('{').and_then(|t| t.strip_suffix('}')).map(|name| (name.to_string(), v.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_is_listed_once() {
        let mut ids: Vec<&str> = TABLE.iter().map(|(op, ..)| *op).chain(NOT_AUDITED.iter().map(|(op, _)| *op)).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "an operation both audited and not, or twice");
        assert_eq!(audited("CreateCredentials").unwrap().id, Id::Answer("/credentialsId"));
        assert!(audited("CreateTrace").is_none());
        assert!(events().contains(&"user_sign_in"));
    }

    #[test]
    fn the_client_is_the_last_hop_or_the_peer() {
        let peer = Some("10.0.0.9".parse().unwrap());
        assert_eq!(client_ip(Some("6.6.6.6, 192.0.2.7"), peer).as_deref(), Some("192.0.2.7"));
        assert_eq!(client_ip(Some("not-an-ip"), peer).as_deref(), Some("10.0.0.9"));
        assert_eq!(client_ip(None, peer).as_deref(), Some("10.0.0.9"));
        assert_eq!(client_ip(None, None), None);
    }

    #[test]
    fn path_parameters_by_name() {
        assert_eq!(
            path_params("/orgs/{orgId}/teams/{teamId}", "/orgs/7/teams/9"),
            vec![("orgId".into(), "7".into()), ("teamId".into(), "9".into())]
        );
        assert!(path_params("/tokens", "/tokens").is_empty());
    }
}
