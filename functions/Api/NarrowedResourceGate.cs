using Credentials.Functions.AccessControl;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Api;

/// <summary>
/// The second authorization a narrower token can need: for each resource beyond the connection's grant it reaches (a
/// multi-resource provider's <c>NarrowableResources</c>), <c>credentials:resource.read</c> on
/// <c>…/connections/{connectionId}/resources/{name}</c>, asked of Authress like admission's check and failing closed alike.
/// </summary>
public sealed class NarrowedResourceGate(CredentialAuthorizer authorizer)
{
    /// <summary>What <see cref="AccessTokenService"/> asks, for this request's admitted caller.</summary>
    public ResourceAuthorization For(HttpContext http, AdmittedCaller admitted)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(admitted);
        return async (names, cancellationToken) =>
        {
            var connection = admitted.RequiredConnection;
            foreach (var name in names)
            {
                var access = new CredentialAccess(CredentialPermissions.ResourceRead, connection.UserId, connection.ConnectionId) { NarrowedResource = name };
                var outcome = await authorizer.AuthorizeAsync(admitted.Caller, access, CorrelationId.Establish(http), cancellationToken);
                if (outcome.Verdict == AuthorizationVerdict.Denied)
                {
                    return new AccessTokenFailure(TokenFailureReason.Forbidden, null, name);
                }

                if (outcome.Verdict != AuthorizationVerdict.Allowed)
                {
                    return new AccessTokenFailure(TokenFailureReason.AuthorizationUnavailable, outcome.RetryAfter ?? TimeSpan.FromSeconds(5));
                }
            }

            return null;
        };
    }
}
