-- The runs list is read newest first from an index in that order (descending, so a forward
-- scan: MariaDB pushes conditions down to the index only on forward scans). Its search compares
-- the free text with run name, project name and session id, and filters by status. With those
-- columns at the end of the list indexes, the filter is evaluated on index entries and only
-- the rows of the page are read from the table. Same indexes as migrations/mysql.
DROP INDEX ix_workflow_owner_list;
DROP INDEX ix_workflow_workspace_list;
DROP INDEX ix_workflow_owner_status_list;
CREATE INDEX ix_workflow_owner_list ON tw_workflow (owner_id, workspace_id, deleted, date_created DESC, id DESC, status, run_name, project_name, session_id);
CREATE INDEX ix_workflow_workspace_list ON tw_workflow (workspace_id, deleted, date_created DESC, id DESC, status, run_name, project_name, session_id);
CREATE INDEX ix_workflow_owner_status_list ON tw_workflow (owner_id, workspace_id, deleted, status, date_created DESC, id DESC, run_name, project_name, session_id);
CREATE INDEX ix_workflow_workspace_status_list ON tw_workflow (workspace_id, deleted, status, date_created DESC, id DESC, run_name, project_name, session_id);
