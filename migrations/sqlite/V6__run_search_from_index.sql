-- The runs list search compares its free text with run name, project name and session id. With
-- those columns at the end of the list indexes, the filter is evaluated on index entries and only
-- the rows of the page are read from the table. Same indexes as migrations/mysql.
DROP INDEX ix_workflow_owner_list;
DROP INDEX ix_workflow_workspace_list;
DROP INDEX ix_workflow_owner_status_list;
CREATE INDEX ix_workflow_owner_list ON tw_workflow (owner_id, workspace_id, deleted, date_created, run_name, project_name, session_id);
CREATE INDEX ix_workflow_workspace_list ON tw_workflow (workspace_id, deleted, date_created, run_name, project_name, session_id);
CREATE INDEX ix_workflow_owner_status_list ON tw_workflow (owner_id, workspace_id, deleted, status, date_created, run_name, project_name, session_id);
CREATE INDEX ix_workflow_workspace_status_list ON tw_workflow (workspace_id, deleted, status, date_created, run_name, project_name, session_id);
