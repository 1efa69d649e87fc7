CREATE TABLE `agent_batches` (
	`location_id` integer NOT NULL,
	`batch_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`results` integer NOT NULL,
	PRIMARY KEY(`location_id`, `batch_id`),
	FOREIGN KEY (`location_id`) REFERENCES `probe_locations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `location_check_gaps` (
	`location_id` integer NOT NULL,
	`monitor_id` integer NOT NULL,
	`start` integer NOT NULL,
	`end` integer NOT NULL,
	PRIMARY KEY(`location_id`, `monitor_id`, `start`),
	FOREIGN KEY (`location_id`) REFERENCES `probe_locations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `location_check_runs` (
	`location_id` integer NOT NULL,
	`monitor_id` integer NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`status` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`location_id`, `monitor_id`, `first_at`),
	FOREIGN KEY (`location_id`) REFERENCES `probe_locations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `location_checks` (
	`location_id` integer NOT NULL,
	`monitor_id` integer NOT NULL,
	`at` integer NOT NULL,
	`status` integer NOT NULL,
	`latency_ms` integer,
	`error` text,
	PRIMARY KEY(`location_id`, `monitor_id`, `at`),
	FOREIGN KEY (`location_id`) REFERENCES `probe_locations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `location_controls` (
	`location_id` integer NOT NULL,
	`at` integer NOT NULL,
	`ok` integer NOT NULL,
	PRIMARY KEY(`location_id`, `at`),
	FOREIGN KEY (`location_id`) REFERENCES `probe_locations`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `monitor_locations` (
	`monitor_id` integer NOT NULL,
	`location_id` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `location_id`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`location_id`) REFERENCES `probe_locations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `monitor_locations_location` ON `monitor_locations` (`location_id`);--> statement-breakpoint
CREATE TABLE `probe_locations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`label_ja` text NOT NULL,
	`label_en` text,
	`token_hash` text,
	`control_target` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`last_contact_at` integer,
	`clock_offset_ms` integer,
	`lag_ms` integer,
	`health` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `probe_locations_slug_unique` ON `probe_locations` (`slug`);--> statement-breakpoint
ALTER TABLE `monitors` ADD `quorum` integer;--> statement-breakpoint
-- The built-in probe is the location `local`; it has no token.
INSERT INTO `probe_locations` (`slug`, `label_ja`, `label_en`, `created_at`) VALUES ('local', 'ローカル', 'Local', 0);
