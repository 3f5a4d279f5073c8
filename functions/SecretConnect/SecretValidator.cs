using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation;
using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.SecretConnect;

/// <summary>
/// The maintenance walk's step for API-key and basic connections, instead of a refresh: where the provider has a probe,
/// a secret not checked within its <c>KeepAliveInterval</c> is sent to it once. A refusal (401/403) makes the connection
/// <c>reauthorization_required</c> with reason <c>secret_rejected</c>, written with its status event in the same
/// conditional write as a lost OAuth grant; a valid answer records when. No answer (a timeout, a refused connection, a
/// 5xx) changes nothing, however long it lasts: the secret is still what the proxy sends, and the next walk probes
/// again. Within one walk a provider whose probe went unanswered is not probed again (<see cref="UnansweredProbes"/>).
/// </summary>
public sealed partial class SecretValidator(
    ConnectionStore store,
    ConnectionSecrets secrets,
    ProviderCatalog providers,
    SecretProbe probe,
    AuditLog audit,
    TimeProvider time,
    ILogger<SecretValidator> logger)
{
    /// <summary>The <c>LastErrorCode</c> and status-event reason of a secret the provider's probe refused.</summary>
    public const string RejectedCode = "secret_rejected";

    private const string Trigger = "maintenance";

    /// <summary>
    /// Probes <paramref name="record"/>'s secret when it is due and stores what the probe said (<see cref="SecretCheck"/>);
    /// a concurrent write (a rotation) wins, and the next lap sees it.
    /// </summary>
    public async Task<SecretCheck> ValidateIfDueAsync(ConnectionRecord record, UnansweredProbes unanswered, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(unanswered);
        var now = time.GetUtcNow();
        if (record.Kind == CredentialKind.OAuth || record.Status == ConnectionStatus.ReauthorizationRequired
            || providers.Find(record.ProviderId) is not { Secret.ProbeUrl: not null } provider || provider.Kind != record.Kind
            || now - (record.LastRefreshSucceededAt ?? record.CreatedAt) < provider.KeepAliveInterval)
        {
            return SecretCheck.NotChecked;
        }

        if (unanswered.Contains(provider.Id))
        {
            return SecretCheck.Deferred;
        }

        var outcome = await probe.ProbeAsync(provider, SecretUsage.Credential(record.Kind, await secrets.ReadSecretAsync(record, cancellationToken)), cancellationToken);
        if (outcome == SecretProbeOutcome.Unavailable)
        {
            unanswered.Add(provider.Id);
            LogUnanswered(logger, provider.Id);
            return SecretCheck.Unanswered;
        }

        var rejected = outcome == SecretProbeOutcome.Rejected;
        var next = rejected ? record.GrantLost(now, RejectedCode) : record.Healthy(now);
        var written = await store.ReplaceAsync(next, ConnectionStatusEvent.Between(record, next, rejected ? RejectedCode : "secret_valid", now), cancellationToken);
        if (!written.Succeeded)
        {
            return SecretCheck.NotChecked;
        }

        await audit.AppendAsync(new AuditEvent(Trigger, record.UserId, record.ConnectionId, AuditActions.Refresh, rejected ? RejectedCode : "secret_valid",
            correlationId, now, provider.Id), cancellationToken);
        if (rejected)
        {
            LogRejected(logger, provider.Id);
        }

        return rejected ? SecretCheck.Rejected : SecretCheck.Valid;
    }

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning,
        Message = "The {ProviderId} probe refused a stored secret: the connection is reauthorization_required until the user submits a new one")]
    private static partial void LogRejected(ILogger logger, string providerId);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "The {ProviderId} probe did not answer; the stored secrets stay as they were and the next walk probes again")]
    private static partial void LogUnanswered(ILogger logger, string providerId);
}
