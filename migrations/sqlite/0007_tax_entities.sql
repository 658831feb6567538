-- The `tax_entities` of a link (issue 13): the organisation numbers whose
-- tax documents the `tax_data_pdf` scope collects, comma-separated, kept
-- from the link session into the consent. Empty without that scope.
-- (0006 is data collection's, issue 14.)
ALTER TABLE link_sessions ADD COLUMN tax_entities TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN tax_entities TEXT NOT NULL DEFAULT '';
