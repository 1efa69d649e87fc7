CREATE TABLE `support_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`item_id` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`from_status` text,
	`to_status` text,
	`text` text,
	`reported_via` text,
	`outbox_id` integer,
	`user_id` integer,
	`actor` text NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `support_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`outbox_id`) REFERENCES `mail_outbox`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `support_events_item` ON `support_events` (`item_id`,`at`);--> statement-breakpoint
CREATE TABLE `support_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel` text NOT NULL,
	`category` text NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`raised_by` text NOT NULL,
	`service_id` integer,
	`requester_email` text,
	`requester_name` text,
	`requester_user_id` integer,
	`lang` text DEFAULT 'ja' NOT NULL,
	`body` text NOT NULL,
	`approach` text,
	`approach_agreed_at` integer,
	`received_at` integer NOT NULL,
	`acknowledged_at` integer,
	`ack_outbox_id` integer,
	`closed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`requester_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`ack_outbox_id`) REFERENCES `mail_outbox`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `support_items_received` ON `support_items` (`received_at`);--> statement-breakpoint
CREATE INDEX `support_items_email` ON `support_items` (`requester_email`,`created_at`);--> statement-breakpoint
CREATE INDEX `support_items_user` ON `support_items` (`requester_user_id`);--> statement-breakpoint
CREATE TABLE `support_minutes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`item_id` integer NOT NULL,
	`user_id` integer,
	`actor` text NOT NULL,
	`minutes` integer NOT NULL,
	`worked_at` integer NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `support_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `support_minutes_worked` ON `support_minutes` (`worked_at`);--> statement-breakpoint
CREATE TABLE `survey_answers` (
	`invitation_id` integer PRIMARY KEY NOT NULL,
	`answered_at` integer NOT NULL,
	`q1` integer NOT NULL,
	`q2` integer NOT NULL,
	`q3` integer NOT NULL,
	`q4` integer NOT NULL,
	`q5` integer NOT NULL,
	`comment` text,
	FOREIGN KEY (`invitation_id`) REFERENCES `survey_invitations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `survey_answers_at` ON `survey_answers` (`answered_at`);--> statement-breakpoint
CREATE TABLE `survey_invitations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`item_id` integer,
	`campaign` text,
	`email` text NOT NULL,
	`lang` text DEFAULT 'ja' NOT NULL,
	`token_hash` text NOT NULL,
	`sent_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`outbox_id` integer,
	FOREIGN KEY (`item_id`) REFERENCES `support_items`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`outbox_id`) REFERENCES `mail_outbox`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `survey_invitations_token` ON `survey_invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `survey_invitations_campaign` ON `survey_invitations` (`campaign`,`email`);