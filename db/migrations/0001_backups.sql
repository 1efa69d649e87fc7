CREATE TABLE `backups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`trigger` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`ok` integer DEFAULT false NOT NULL,
	`path` text,
	`size_bytes` integer,
	`sha256` text,
	`integrity_result` text,
	`generations_kept` integer,
	`copied_to` text,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `backups_started_at` ON `backups` (`started_at`);