CREATE TABLE `services` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`name_ja` text NOT NULL,
	`name_en` text,
	`sla_target_pct` real DEFAULT 99.9 NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `services_slug_unique` ON `services` (`slug`);--> statement-breakpoint
CREATE TABLE `check_gaps` (
	`monitor_id` integer NOT NULL,
	`start` integer NOT NULL,
	`end` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `start`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `check_runs` (
	`monitor_id` integer NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`status` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `first_at`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `checks` (
	`monitor_id` integer NOT NULL,
	`at` integer NOT NULL,
	`status` integer NOT NULL,
	`latency_ms` integer,
	`error` text,
	PRIMARY KEY(`monitor_id`, `at`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `false_positives` (
	`monitor_id` integer NOT NULL,
	`start` integer NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `start`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `monitors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`service_id` integer NOT NULL,
	`type` text NOT NULL,
	`target` text NOT NULL,
	`interval_s` integer DEFAULT 60 NOT NULL,
	`timeout_s` integer DEFAULT 10 NOT NULL,
	`confirm` integer DEFAULT 2 NOT NULL,
	`counts_for_availability` integer DEFAULT true NOT NULL,
	`options` text DEFAULT '{}' NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `monitors_slug_unique` ON `monitors` (`slug`);--> statement-breakpoint
CREATE TABLE `incident_services` (
	`incident_id` integer NOT NULL,
	`service_id` integer NOT NULL,
	`impact` text NOT NULL,
	PRIMARY KEY(`incident_id`, `service_id`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `incident_updates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`at` integer NOT NULL,
	`status` text NOT NULL,
	`body_ja` text NOT NULL,
	`body_en` text,
	`published` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `incident_updates_incident` ON `incident_updates` (`incident_id`,`at`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`kind` text DEFAULT 'failure' NOT NULL,
	`severity` text DEFAULT 'minor' NOT NULL,
	`title_ja` text NOT NULL,
	`title_en` text,
	`started_at` integer NOT NULL,
	`detected_at` integer,
	`aware_at` integer,
	`recovered_at` integer,
	`client_notified_at` integer,
	`eta_notified_at` integer,
	`recovery_notified_at` integer,
	`response_started_at` integer,
	`written_report_at` integer,
	`force_majeure` integer DEFAULT false NOT NULL,
	`force_majeure_reason` text,
	`cause` text,
	`fix` text,
	`prevention` text,
	`cause_known` integer,
	`draft` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_key_unique` ON `incidents` (`key`);--> statement-breakpoint
CREATE INDEX `incidents_started_at` ON `incidents` (`started_at`);--> statement-breakpoint
CREATE TABLE `maintenance_services` (
	`maintenance_id` integer NOT NULL,
	`service_id` integer NOT NULL,
	PRIMARY KEY(`maintenance_id`, `service_id`),
	FOREIGN KEY (`maintenance_id`) REFERENCES `maintenances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `maintenances` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`category` text NOT NULL,
	`title_ja` text NOT NULL,
	`title_en` text,
	`body_ja` text,
	`body_en` text,
	`announced_at` integer NOT NULL,
	`scheduled_start` integer NOT NULL,
	`scheduled_end` integer NOT NULL,
	`actual_start` integer,
	`actual_end` integer,
	`client_approved_at` integer,
	`status` text DEFAULT 'scheduled' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `maintenances_key_unique` ON `maintenances` (`key`);--> statement-breakpoint
CREATE INDEX `maintenances_scheduled_start` ON `maintenances` (`scheduled_start`);--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`acquired_at` integer NOT NULL,
	`renewed_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
