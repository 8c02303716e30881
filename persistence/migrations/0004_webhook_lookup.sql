-- Webhooks name the provider's payment id (YooKassa's object.id, CloudPayments' TransactionId):
-- they are resolved to our pending payment, the only kind a notification can settle.
CREATE INDEX payments_pending_by_provider_id ON payments (provider, provider_payment_id) WHERE status = 'pending';
