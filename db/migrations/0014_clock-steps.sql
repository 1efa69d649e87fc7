CREATE TABLE `clock_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`seen_at` integer NOT NULL,
	`offset_ms` integer NOT NULL,
	`seen_by` text NOT NULL,
	`set_aside` integer DEFAULT 0 NOT NULL,
	`first_stamp_at` integer,
	`last_stamp_at` integer,
	`reviewed_at` integer,
	`reviewed_by` integer,
	FOREIGN KEY (`reviewed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `clock_steps_open` ON `clock_steps` (`reviewed_at`);--> statement-breakpoint
CREATE TABLE `quarantined_checks` (
	`step_id` integer NOT NULL,
	`location_id` integer,
	`monitor_id` integer NOT NULL,
	`at` integer NOT NULL,
	`status` integer NOT NULL,
	`latency_ms` integer,
	`error` text,
	FOREIGN KEY (`step_id`) REFERENCES `clock_steps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `quarantined_checks_step` ON `quarantined_checks` (`step_id`,`monitor_id`,`at`);