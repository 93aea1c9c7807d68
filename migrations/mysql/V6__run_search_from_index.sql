-- The runs list search compares its free text with run name, project name and session id. With
-- those columns at the end of the list indexes, the filter is evaluated on index entries (index
-- condition pushdown; the total is counted from the index alone) and only the rows of the page
-- are read from the table, instead of every candidate row with its large JSON columns.
ALTER TABLE tw_workflow
    DROP INDEX ix_workflow_owner_list,
    DROP INDEX ix_workflow_workspace_list,
    DROP INDEX ix_workflow_owner_status_list,
    ADD INDEX ix_workflow_owner_list (owner_id, workspace_id, deleted, date_created, run_name, project_name, session_id),
    ADD INDEX ix_workflow_workspace_list (workspace_id, deleted, date_created, run_name, project_name, session_id),
    ADD INDEX ix_workflow_owner_status_list (owner_id, workspace_id, deleted, status, date_created, run_name, project_name, session_id),
    ADD INDEX ix_workflow_workspace_status_list (workspace_id, deleted, status, date_created, run_name, project_name, session_id);
