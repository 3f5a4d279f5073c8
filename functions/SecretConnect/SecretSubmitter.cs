using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.SecretConnect;

/// <summary>
/// Stores a submitted API key or basic credentials as an active connection, in the same envelope as a refresh token:
/// checked against the provider's kind and limits, then against its probe where one is configured (nothing is stored
/// when either refuses), then written with the status event of the change and audited. A second submission for the same
/// connection replaces the secret (a rotation); the old one is overwritten and never returned.
/// </summary>
public sealed partial class SecretSubmitter(
    ConnectionStore store,
    ConnectionSecrets secrets,
    ProviderCatalog providers,
    SecretProbe probe,
    AccessTokenCache cache,
    AuditLog audit,
    TimeProvider time,
    ILogger<SecretSubmitter> logger)
{
    private const int MaxWriteAttempts = 5;

    public async Task<Result<StoredSecret, SecretFailure>> SubmitAsync(SecretSubmission submission, string callerId, string correlationId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        if (providers.Find(submission.ProviderId) is not { } provider)
        {
            return new SecretFailure(SecretFailureReason.UnknownProvider, "No provider of that id is configured.");
        }

        if (provider.Secret is null)
        {
            return new SecretFailure(SecretFailureReason.OAuthProvider,
                $"Provider '{provider.Id}' connects with OAuth: start a connection (POST /api/users/{{userId}}/connections) instead.");
        }

        if (submission.StoredFor(provider.Kind, out var problem) is not { } stored)
        {
            return new SecretFailure(SecretFailureReason.InvalidSecret, problem);
        }

        var key = submission.Connection;
        if (await store.GetAsync(key, cancellationToken) is { Kind: CredentialKind.OAuth })
        {
            return KindMismatch();
        }

        switch (await probe.ProbeAsync(provider, SecretUsage.Credential(provider.Kind, stored), cancellationToken))
        {
            case SecretProbeOutcome.Rejected:
                LogProbed(logger, provider.Id, "rejected at submission; nothing stored");
                return new SecretFailure(SecretFailureReason.Rejected, "The provider refused this secret (its probe answered 401 or 403); nothing was stored.");
            case SecretProbeOutcome.Unavailable:
                LogProbed(logger, provider.Id, "unanswered at submission; nothing stored");
                return new SecretFailure(SecretFailureReason.ProbeUnavailable, "The provider's probe did not answer; nothing was stored. Retry later.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await store.GetAsync(key, cancellationToken);
            if (existing is { Kind: CredentialKind.OAuth })
            {
                return KindMismatch();
            }

            var record = (existing ?? new ConnectionRecord
            {
                UserId = key.UserId,
                ConnectionId = key.ConnectionId,
                ProviderId = provider.Id,
                CreatedAt = now,
                UpdatedAt = now,
                RefreshTokenEnvelope = [],
            }).Healthy(now) with
            {
                ProviderId = provider.Id,
                Kind = provider.Kind,
                Scopes = [],
                InstanceUrl = null,
            };
            record = await secrets.WithSecretAsync(record, stored, cancellationToken);
            var statusEvent = ConnectionStatusEvent.Between(existing, record, existing is null ? "connected" : "secret_replaced", now);
            var written = existing is null
                ? await store.AddAsync(record, statusEvent, cancellationToken)
                : await store.ReplaceAsync(record, statusEvent, cancellationToken);
            if (written.Succeeded)
            {
                cache.Forget(key.UserId, key.ConnectionId);
                var rotated = existing is not null;
                var kind = provider.Kind.ToName();
                await audit.AppendAsync(new AuditEvent(callerId, key.UserId, key.ConnectionId, AuditActions.Connect, rotated ? "secret_replaced" : "secret_stored",
                    correlationId, now, $"{provider.Id} {kind}"), cancellationToken);
                LogStored(logger, kind, provider.Id, rotated);
                return new StoredSecret(written.Record!, rotated);
            }

            if (attempt == MaxWriteAttempts)
            {
                throw new InvalidOperationException($"The connection could not be saved after {MaxWriteAttempts} concurrent-write retries.");
            }
        }
    }

    private static SecretFailure KindMismatch() => new(SecretFailureReason.KindMismatch,
        "This connection id holds an OAuth grant; disconnect it first (DELETE) or use another connection id.");

    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "A {Kind} secret was stored for a {ProviderId} connection (replacing an earlier one: {Rotated})")]
    private static partial void LogStored(ILogger logger, string kind, string providerId, bool rotated);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "A {ProviderId} secret was {Outcome}")]
    private static partial void LogProbed(ILogger logger, string providerId, string outcome);
}
