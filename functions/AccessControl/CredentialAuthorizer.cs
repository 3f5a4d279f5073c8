using Credentials.Functions.AccessControl.Authress;
using Credentials.Functions.Audit;
using Credentials.Functions.Foundation.Resilience;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

/// <summary>
/// Decides whether a caller may do something to a user's credentials: self-service for a user's own connections
/// (when enabled, never for reading tokens), otherwise Authress; completing a connection only by its own user. Fails
/// closed, and audits every decision.
/// </summary>
/// <remarks>
/// Authress bills per call, and an offline job reads many users. So a caller is first asked about the whole collection
/// <c>/user-credentials/refresh-tokens/users</c> (grants cascade): one allow there, cached, covers every user. Only when
/// that is denied is the user or connection asked about. Concurrent identical questions share one call.
/// </remarks>
public sealed class CredentialAuthorizer(
    AuthressClient authress,
    AuthorizationDecisionCache decisions,
    AuditLog audit,
    IOptions<AuthorizationOptions> options,
    TimeProvider time)
{
    private readonly SingleFlight<string, AuthorizationOutcome> _inFlight = new(StringComparer.Ordinal);

    public async Task<AuthorizationOutcome> AuthorizeAsync(Caller caller, CredentialAccess access, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(access);
        var outcome = await DecideAsync(caller, access, cancellationToken);
        if (outcome.Verdict == AuthorizationVerdict.Denied && CredentialPermissions.IsProxyClass(access.Permission))
        {
            // credentials:proxy predates the method classes and still means both: existing grants keep working.
            var both = await DecideAsync(caller, access with { Permission = CredentialPermissions.Proxy }, cancellationToken);
            if (both.Verdict != AuthorizationVerdict.Denied)
            {
                outcome = both with { Reason = "proxy_" + both.Reason };
            }
        }

        if (outcome.Verdict == AuthorizationVerdict.Allowed && access.Permission == CredentialPermissions.Read)
        {
            // Every allowed token read is followed by its own audit event, which records this decision's reason: one
            // event per hand-out instead of two halves the audit volume of the hottest path.
            return outcome;
        }

        // Rolled up like hand-outs, against a capacity of their own: a flood of denials cannot refuse others' reads.
        await audit.CountAsync(new AuditEvent(
            caller.Id, access.UserId, access.ConnectionId, AuditActions.Authorize, outcome.Verdict.ToString().ToLowerInvariant(), correlationId,
            time.GetUtcNow(), $"{access.Permission} {outcome.Reason}"), RollupClass.Decision, cancellationToken);
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

        // With allows not cached, asking about the collection first would only double the calls.
        if (options.Value.AllowCacheDuration > TimeSpan.Zero)
        {
            var collection = await AskAsync(caller, CredentialAccess.UsersRoot, access.Permission, isCollection: true, cancellationToken);
            if (collection.Verdict != AuthorizationVerdict.Denied)
            {
                return collection with { Reason = "collection_" + collection.Reason };
            }
        }

        return await AskAsync(caller, access.ResourceUri, access.Permission, isCollection: false, cancellationToken);
    }

    private async Task<AuthorizationOutcome> AskAsync(Caller caller, string resourceUri, string permission, bool isCollection, CancellationToken cancellationToken)
    {
        if (decisions.Find(caller.Key, resourceUri, permission) is { } cached)
        {
            return cached;
        }

        return await _inFlight.RunAsync($"{caller.Key}\n{resourceUri}\n{permission}",
            () => AskAuthressAsync(caller, resourceUri, permission, isCollection), cancellationToken);
    }

    private async Task<AuthorizationOutcome> AskAuthressAsync(Caller caller, string resourceUri, string permission, bool isCollection)
    {
        await Task.Yield();
        // A request that missed the cache just before another call's answer was remembered must not ask again.
        if (decisions.Find(caller.Key, resourceUri, permission) is { } answered)
        {
            return answered;
        }

        // Authress knows the caller by its principal: the issuer's subject prefix and the sub (docs/authorization.md).
        var decision = await authress.AuthorizeUserAsync(caller.Id, resourceUri, permission, CancellationToken.None);
        var outcome = decision.Verdict switch
        {
            AuthressVerdict.Allowed => new AuthorizationOutcome(AuthorizationVerdict.Allowed, decision.Reason),
            AuthressVerdict.Denied => new AuthorizationOutcome(AuthorizationVerdict.Denied, decision.Reason),
            _ => new AuthorizationOutcome(AuthorizationVerdict.Unavailable, decision.Reason, decision.RetryAfter),
        };

        // "Not granted on the whole collection" only sends the caller to the finer check, so it may be remembered as long
        // as an allow: a broad grant added meanwhile is noticed within the allow cache duration.
        decisions.Remember(caller.Key, resourceUri, permission, outcome, denialMeansFallBack: isCollection);
        return outcome;
    }
}
