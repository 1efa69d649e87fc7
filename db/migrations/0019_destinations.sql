CREATE TABLE `destination_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`destination_id` integer,
	`destination_name` text NOT NULL,
	`topic` text NOT NULL,
	`event_key` text NOT NULL,
	`webhook_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`sent_at` integer,
	`failed_at` integer,
	`last_error` text,
	`claim_token` text,
	`claimed_until` integer,
	FOREIGN KEY (`destination_id`) REFERENCES `destinations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `destination_outbox_due` ON `destination_outbox` (`next_attempt_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `destination_outbox_event` ON `destination_outbox` (`destination_id`,`event_key`);--> statement-breakpoint
CREATE TABLE `destination_services` (
	`destination_id` integer NOT NULL,
	`service_id` integer NOT NULL,
	PRIMARY KEY(`destination_id`, `service_id`),
	FOREIGN KEY (`destination_id`) REFERENCES `destinations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `destinations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`url` text NOT NULL,
	`secret` text,
	`alarms` integer DEFAULT 0 NOT NULL,
	`incidents` integer DEFAULT 0 NOT NULL,
	`maintenances` integer DEFAULT 0 NOT NULL,
	`all_services` integer DEFAULT 1 NOT NULL,
	`lang` text DEFAULT 'ja' NOT NULL,
	`paused_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
