-- A namespace's own limits (JSON; null: the process-wide defaults apply).
ALTER TABLE namespace_settings ADD COLUMN limits_json TEXT;
