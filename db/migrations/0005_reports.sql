CREATE TABLE `reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`month` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`trigger` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`pdf` blob NOT NULL,
	`csv_sha256` text NOT NULL,
	`csv` blob NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reports_month_version` ON `reports` (`month`,`version`);--> statement-breakpoint
CREATE TABLE `sla_manual_values` (
	`month` text NOT NULL,
	`row_key` text NOT NULL,
	`value` text NOT NULL,
	`note` text,
	`entered_by` text NOT NULL,
	`entered_at` integer NOT NULL,
	PRIMARY KEY(`month`, `row_key`)
);
--> statement-breakpoint
CREATE TRIGGER `reports_no_update` BEFORE UPDATE ON `reports` BEGIN SELECT RAISE(ABORT, 'an issued report is never changed: issue a new version'); END;--> statement-breakpoint
CREATE TRIGGER `reports_no_delete` BEFORE DELETE ON `reports` BEGIN SELECT RAISE(ABORT, 'an issued report is never deleted'); END;
