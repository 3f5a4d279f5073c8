using Credentials.Functions.Audit;
using Credentials.Functions.Authentication;
using Credentials.Functions.Authorization.Authress;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Authorization;

/// <summary>
/// Decides whether a caller may do something to a user's credentials: self-service for a user's own connections
/// (when enabled, never for reading tokens), otherwise Authress; completing a connection only by its own user. Fails
/// closed, and audits every decision.
/// </summary>
public sealed class CredentialAuthorizer(
    AuthressClient authress,
    AuthorizationDecisionCache decisions,
    AuditLog audit,
    IOptions<AuthorizationOptions> options,
    TimeProvider time)
{
    public async Task<AuthorizationOutcome> AuthorizeAsync(Caller caller, CredentialAccess access, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(access);
        var outcome = await DecideAsync(caller, access, cancellationToken);
        await audit.AppendAsync(new AuditEvent(
            caller.Id, access.UserId, access.ConnectionId, AuditActions.Authorize, outcome.Verdict.ToString().ToLowerInvariant(), correlationId,
            time.GetUtcNow(), $"{access.Permission} {outcome.Reason}"), cancellationToken);
        return outcome;
    }

    private async Task<AuthorizationOutcome> DecideAsync(Caller caller, CredentialAccess access, CancellationToken cancellationToken)
    {
        if (access.Permission == CredentialPermissions.CompleteOwn)
        {
            return caller.Kind == CallerKind.User && string.Equals(caller.Id, access.UserId, StringComparison.Ordinal)
                ? new AuthorizationOutcome(AuthorizationVerdict.Allowed, "owner")
                : new AuthorizationOutcome(AuthorizationVerdict.Denied, caller.Kind == CallerKind.User ? "not_owner" : "not_a_user");
        }

        if (options.Value.SelfService && caller.Kind == CallerKind.User
            && string.Equals(caller.Id, access.UserId, StringComparison.Ordinal)
            && CredentialPermissions.IsSelfServicePermission(access.Permission))
        {
            return new AuthorizationOutcome(AuthorizationVerdict.Allowed, "self_service");
        }

        if (decisions.Find(caller.Id, access) is { } cached)
        {
            return cached;
        }

        var decision = await authress.AuthorizeUserAsync(caller.Id, access.ResourceUri, access.Permission, cancellationToken);
        var outcome = decision.Verdict switch
        {
            AuthressVerdict.Allowed => new AuthorizationOutcome(AuthorizationVerdict.Allowed, decision.Reason),
            AuthressVerdict.Denied => new AuthorizationOutcome(AuthorizationVerdict.Denied, decision.Reason),
            _ => new AuthorizationOutcome(AuthorizationVerdict.Unavailable, decision.Reason, decision.RetryAfter),
        };
        decisions.Remember(caller.Id, access, outcome);
        return outcome;
    }
}
