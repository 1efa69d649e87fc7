CREATE TABLE `alert_sources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`kind` text NOT NULL,
	`token_hash` text NOT NULL,
	`silence_after_s` integer DEFAULT 600 NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`last_heard_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_sources_slug_unique` ON `alert_sources` (`slug`);--> statement-breakpoint
CREATE TABLE `external_alerts` (
	`source_id` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`labels` text NOT NULL,
	`state` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`source_id`, `fingerprint`),
	FOREIGN KEY (`source_id`) REFERENCES `alert_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
