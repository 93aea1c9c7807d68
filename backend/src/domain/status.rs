//! Run and task statuses, and the rules for how they move.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkflowStatus {
    Submitted,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Unknown,
}

impl WorkflowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "SUBMITTED",
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    /// A run that has ended: no trace request may change it back.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    New,
    Submitted,
    Running,
    Cached,
    Completed,
    Failed,
    Aborted,
}

impl TaskStatus {
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Submitted => "SUBMITTED",
            Self::Running => "RUNNING",
            Self::Cached => "CACHED",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Aborted => "ABORTED",
        }
    }

    /// Position in the task life cycle. A stored task only accepts a record of the same or a
    /// later rank, and nothing once it is terminal, so a late SUBMITTED never overwrites
    /// COMPLETED and a retried request changes nothing.
    pub fn rank(self) -> i16 {
        match self {
            Self::New => 0,
            Self::Submitted => 1,
            Self::Running => 2,
            Self::Cached | Self::Completed | Self::Failed | Self::Aborted => TERMINAL_RANK,
        }
    }

    pub fn is_terminal(self) -> bool {
        self.rank() == TERMINAL_RANK
    }
}

/// A stored status (the store reads task rows through this).
impl TryFrom<String> for TaskStatus {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown task status '{s}'"))
    }
}

pub const TERMINAL_RANK: i16 = 3;

/// Whether an incoming record of rank `incoming` replaces a stored record of rank `stored`.
pub fn task_update_applies(stored: i16, incoming: i16) -> bool {
    stored < TERMINAL_RANK && incoming >= stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_status_only_moves_forward_and_terminal_is_final() {
        use TaskStatus::*;
        assert!(task_update_applies(Submitted.rank(), Running.rank()));
        assert!(task_update_applies(Running.rank(), Running.rank()));
        assert!(task_update_applies(Running.rank(), Completed.rank()));
        assert!(!task_update_applies(Completed.rank(), Submitted.rank()));
        assert!(!task_update_applies(Running.rank(), Submitted.rank()));
        assert!(!task_update_applies(Completed.rank(), Completed.rank()));
        assert!(!task_update_applies(Failed.rank(), Completed.rank()));
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        assert_eq!(WorkflowStatus::parse("UNKNOWN"), Some(WorkflowStatus::Unknown));
        assert_eq!(WorkflowStatus::parse("unknown"), None);
        assert_eq!(serde_json::to_string(&TaskStatus::Cached).unwrap(), "\"CACHED\"");
    }
}
