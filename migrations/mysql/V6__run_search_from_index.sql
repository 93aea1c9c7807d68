-- The runs list is read newest first from an index in that order (descending, so a forward
-- scan: MariaDB pushes conditions down to the index only on forward scans). Its search compares
-- the free text with run name, project name and session id, and filters by status. With those
-- columns at the end of the list indexes, the filter is evaluated on index entries (index
-- condition pushdown; the total is counted from the index alone) and only the rows of the page
-- are read from the table, instead of every candidate row with its large JSON columns.
ALTER TABLE tw_workflow
    DROP INDEX ix_workflow_owner_list,
    DROP INDEX ix_workflow_workspace_list,
    DROP INDEX ix_workflow_owner_status_list,
    ADD INDEX ix_workflow_owner_list (owner_id, workspace_id, deleted, date_created DESC, id DESC, status, run_name, project_name, session_id),
    ADD INDEX ix_workflow_workspace_list (workspace_id, deleted, date_created DESC, id DESC, status, run_name, project_name, session_id),
    ADD INDEX ix_workflow_owner_status_list (owner_id, workspace_id, deleted, status, date_created DESC, id DESC, run_name, project_name, session_id),
    ADD INDEX ix_workflow_workspace_status_list (workspace_id, deleted, status, date_created DESC, id DESC, run_name, project_name, session_id);
