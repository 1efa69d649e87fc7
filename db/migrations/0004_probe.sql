CREATE TABLE `alarm_notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alarm_id` integer NOT NULL,
	`incident_id` integer,
	`event` text NOT NULL,
	`channel` text DEFAULT 'email' NOT NULL,
	`recipient` text NOT NULL,
	`outbox_id` integer,
	`queued_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`alarm_id`) REFERENCES `alarms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`outbox_id`) REFERENCES `mail_outbox`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `alarm_notifications_alarm` ON `alarm_notifications` (`alarm_id`);--> statement-breakpoint
CREATE INDEX `alarm_notifications_incident` ON `alarm_notifications` (`incident_id`);--> statement-breakpoint
CREATE INDEX `alarm_notifications_outbox` ON `alarm_notifications` (`outbox_id`);--> statement-breakpoint
CREATE TABLE `alarms` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`monitor_id` integer NOT NULL,
	`kind` text NOT NULL,
	`code` text NOT NULL,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`started_at` integer NOT NULL,
	`detected_at` integer NOT NULL,
	`recovered_at` integer,
	`recovery_detected_at` integer,
	`incident_id` integer,
	`acknowledged_at` integer,
	`acknowledged_by` integer,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `alarms_open` ON `alarms` (`monitor_id`,`recovered_at`);--> statement-breakpoint
CREATE INDEX `alarms_detected` ON `alarms` (`detected_at`);--> statement-breakpoint
CREATE TABLE `check_rollups_daily` (
	`monitor_id` integer NOT NULL,
	`start` integer NOT NULL,
	`up` integer NOT NULL,
	`degraded` integer NOT NULL,
	`down` integer NOT NULL,
	`lat_count` integer NOT NULL,
	`lat_avg` real,
	`lat_p_50` integer,
	`lat_p_95` integer,
	`lat_max` integer,
	`computed_at` integer NOT NULL,
	`day` text NOT NULL,
	PRIMARY KEY(`monitor_id`, `start`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `check_rollups_hourly` (
	`monitor_id` integer NOT NULL,
	`start` integer NOT NULL,
	`up` integer NOT NULL,
	`degraded` integer NOT NULL,
	`down` integer NOT NULL,
	`lat_count` integer NOT NULL,
	`lat_avg` real,
	`lat_p_50` integer,
	`lat_p_95` integer,
	`lat_max` integer,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `start`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mail_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`to_addr` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`html` text,
	`headers` text,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`sent_at` integer,
	`failed_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `mail_outbox_due` ON `mail_outbox` (`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `push_beats` (
	`monitor_id` integer PRIMARY KEY NOT NULL,
	`last_at` integer NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`last_status` text,
	`last_message` text,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rollup_pending` (
	`monitor_id` integer NOT NULL,
	`hour` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `hour`)
);
