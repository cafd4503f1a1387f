"""Reminders and notifications (nhắc việc, thông báo): policies, due-event scan, outbox, delivery."""
