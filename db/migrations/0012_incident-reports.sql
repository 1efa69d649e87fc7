CREATE TABLE `incident_reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`issued_by` text NOT NULL,
	`sent_to` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`pdf` blob NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incident_reports_version` ON `incident_reports` (`incident_id`,`version`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `cause_category` text;--> statement-breakpoint
CREATE TRIGGER `incident_reports_no_update` BEFORE UPDATE ON `incident_reports` BEGIN SELECT RAISE(ABORT, 'an issued failure report is never changed: issue a new version'); END;--> statement-breakpoint
CREATE TRIGGER `incident_reports_no_delete` BEFORE DELETE ON `incident_reports` BEGIN SELECT RAISE(ABORT, 'an issued failure report is never deleted'); END;--> statement-breakpoint
CREATE VIEW `incident_search_text` AS SELECT i.id AS id, coalesce(i.title_ja, '') || char(10) || coalesce(i.title_en, '') || char(10) || coalesce(i.cause, '') || char(10) || coalesce(i.fix, '') || char(10) || coalesce(i.prevention, '') || char(10) || coalesce((SELECT group_concat(u.body_ja || char(10) || coalesce(u.body_en, ''), char(10)) FROM incident_updates u WHERE u.incident_id = i.id), '') AS body FROM incidents i;--> statement-breakpoint
CREATE VIRTUAL TABLE `incident_search` USING fts5(body, tokenize = 'trigram');--> statement-breakpoint
INSERT INTO `incident_search` (rowid, body) SELECT id, body FROM `incident_search_text`;--> statement-breakpoint
CREATE TRIGGER `incident_search_insert` AFTER INSERT ON `incidents` BEGIN INSERT INTO `incident_search` (rowid, body) SELECT id, body FROM `incident_search_text` WHERE id = new.id; END;--> statement-breakpoint
CREATE TRIGGER `incident_search_update` AFTER UPDATE OF title_ja, title_en, cause, fix, prevention ON `incidents` BEGIN DELETE FROM `incident_search` WHERE rowid = old.id; INSERT INTO `incident_search` (rowid, body) SELECT id, body FROM `incident_search_text` WHERE id = new.id; END;--> statement-breakpoint
CREATE TRIGGER `incident_search_delete` AFTER DELETE ON `incidents` BEGIN DELETE FROM `incident_search` WHERE rowid = old.id; END;--> statement-breakpoint
CREATE TRIGGER `incident_search_update_insert` AFTER INSERT ON `incident_updates` BEGIN DELETE FROM `incident_search` WHERE rowid = new.incident_id; INSERT INTO `incident_search` (rowid, body) SELECT id, body FROM `incident_search_text` WHERE id = new.incident_id; END;--> statement-breakpoint
CREATE TRIGGER `incident_search_update_change` AFTER UPDATE ON `incident_updates` BEGIN DELETE FROM `incident_search` WHERE rowid IN (old.incident_id, new.incident_id); INSERT INTO `incident_search` (rowid, body) SELECT id, body FROM `incident_search_text` WHERE id IN (old.incident_id, new.incident_id); END;--> statement-breakpoint
CREATE TRIGGER `incident_search_update_delete` AFTER DELETE ON `incident_updates` BEGIN DELETE FROM `incident_search` WHERE rowid = old.incident_id; INSERT INTO `incident_search` (rowid, body) SELECT id, body FROM `incident_search_text` WHERE id = old.incident_id; END;
