CREATE TABLE `subscriber_notices` (
	`what` text NOT NULL,
	`ref` integer NOT NULL,
	`at` integer NOT NULL,
	`recipients` integer NOT NULL,
	PRIMARY KEY(`what`, `ref`)
);
--> statement-breakpoint
CREATE INDEX `subscriber_notices_at` ON `subscriber_notices` (`at`);--> statement-breakpoint
CREATE TABLE `subscriber_services` (
	`subscriber_id` integer NOT NULL,
	`service_id` integer NOT NULL,
	PRIMARY KEY(`subscriber_id`, `service_id`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `subscribers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`lang` text DEFAULT 'ja' NOT NULL,
	`incidents` integer DEFAULT true NOT NULL,
	`maintenances` integer DEFAULT true NOT NULL,
	`all_services` integer DEFAULT true NOT NULL,
	`pending` text,
	`confirm_nonce` text,
	`confirm_sent_at` integer,
	`confirmed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_email_unique` ON `subscribers` (`email`);