ALTER TABLE `monitor_setting_history` ADD `type` text;--> statement-breakpoint
ALTER TABLE `monitor_setting_history` ADD `shown_target` text;--> statement-breakpoint
-- The type was never kept with its times: the present one since the beginning. The shown
-- target is written (masked) by the site at the next change; until then it reads as the present one.
UPDATE `monitor_setting_history` SET `type` = (SELECT `type` FROM `monitors` m WHERE m.`id` = `monitor_id`);
