CREATE TABLE `monitor_pauses` (
	`monitor_id` integer NOT NULL,
	`start` integer NOT NULL,
	`end` integer,
	PRIMARY KEY(`monitor_id`, `start`),
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `month_closings` (
	`month` text PRIMARY KEY NOT NULL,
	`closed_at` integer NOT NULL,
	`settings` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `monitors` ADD `added_at` integer;--> statement-breakpoint
ALTER TABLE `monitors` ADD `removed_at` integer;--> statement-breakpoint
ALTER TABLE `reports` ADD `provisional` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `reports` ADD `cut_off` integer;--> statement-breakpoint
ALTER TABLE `reports` ADD `figures` text;--> statement-breakpoint
CREATE TRIGGER `month_closings_no_update` BEFORE UPDATE ON `month_closings` BEGIN SELECT RAISE(ABORT, 'a closed month keeps the settings it closed with'); END;--> statement-breakpoint
CREATE TRIGGER `month_closings_no_delete` BEFORE DELETE ON `month_closings` BEGIN SELECT RAISE(ABORT, 'a closed month keeps the settings it closed with'); END;
