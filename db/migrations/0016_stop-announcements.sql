PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_maintenances` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`category` text NOT NULL,
	`title_ja` text NOT NULL,
	`title_en` text,
	`body_ja` text,
	`body_en` text,
	`announced_at` integer,
	`scheduled_start` integer NOT NULL,
	`scheduled_end` integer NOT NULL,
	`actual_start` integer,
	`actual_end` integer,
	`client_approved_at` integer,
	`status` text DEFAULT 'scheduled' NOT NULL,
	`rule_warnings` text DEFAULT '[]' NOT NULL,
	`warnings_confirmed_at` integer,
	`warnings_confirmed_by` integer,
	`hold_open` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_maintenances`("id", "key", "category", "title_ja", "title_en", "body_ja", "body_en", "announced_at", "scheduled_start", "scheduled_end", "actual_start", "actual_end", "client_approved_at", "status", "rule_warnings", "warnings_confirmed_at", "warnings_confirmed_by", "hold_open", "created_at", "updated_at") SELECT "id", "key", "category", "title_ja", "title_en", "body_ja", "body_en", "announced_at", "scheduled_start", "scheduled_end", "actual_start", "actual_end", "client_approved_at", "status", "rule_warnings", "warnings_confirmed_at", "warnings_confirmed_by", "hold_open", "created_at", "updated_at" FROM `maintenances`;--> statement-breakpoint
DROP TABLE `maintenances`;--> statement-breakpoint
ALTER TABLE `__new_maintenances` RENAME TO `maintenances`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `maintenances_key_unique` ON `maintenances` (`key`);--> statement-breakpoint
CREATE INDEX `maintenances_scheduled_start` ON `maintenances` (`scheduled_start`);