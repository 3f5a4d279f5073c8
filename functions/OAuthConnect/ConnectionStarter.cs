using Credentials.Functions.AccessControl;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Functions.Foundation;
using Credentials.Functions.Foundation.Configuration;
using Credentials.Functions.Providers;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// Starts the authorization-code flow for one (user, connection): checks the request against the provider's
/// configuration, stores a single-use state bound to everything the callback must verify, and builds the provider URL.
/// </summary>
public sealed class ConnectionStarter(
    ProviderCatalog providers,
    ProviderEndpointResolver endpoints,
    OAuthStateStore states,
    CredentialCipher cipher,
    ReturnUrlPolicy returnUrls,
    AuditLog audit,
    IOptions<ServiceOptions> service,
    IOptions<ConnectOptions> connect,
    TimeProvider time)
{
    /// <summary>Path of the callback function under the public base URL (host.json's route prefix is <c>api</c>).</summary>
    public const string CallbackPath = "api/oauth/callback/";

    public Uri RedirectUriFor(string providerId) =>
        new(new Uri(service.Value.PublicBaseUrl!.AbsoluteUri.TrimEnd('/') + "/"), CallbackPath + Uri.EscapeDataString(providerId));

    public async Task<Result<StartConnectionResponse, StartFailure>> StartAsync(Caller caller, string userId, StartConnectionRequest request, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Provider is not { Length: > 0 } providerId || providers.Find(providerId) is not { } provider)
        {
            return new StartFailure(StartFailureReason.UnknownProvider,
                $"provider must be one of: {string.Join(", ", providers.All.Select(p => p.Id).Order(StringComparer.Ordinal))}.");
        }

        var connectionId = request.ConnectionId ?? provider.Id;
        if (!Identifiers.IsValid(connectionId))
        {
            return new StartFailure(StartFailureReason.InvalidConnectionId,
                $"Ids are 1-{Identifiers.MaxLength} characters of A-Z a-z 0-9 - _ . + = ~ | @.");
        }

        var requested = request.Scopes ?? [];
        if (requested.Any(scope => scope is null || !provider.AllowsScope(scope)))
        {
            var refused = requested.First(scope => scope is null || !provider.AllowsScope(scope));
            return new StartFailure(StartFailureReason.ScopeNotAllowed,
                $"Scope '{refused}' is not configured for provider '{provider.Id}' (Providers:{provider.Id}:Scopes or AllowedScopes).");
        }

        Uri? returnUrl = null;
        if (request.ReturnUrl is not null && !returnUrls.IsAllowed(request.ReturnUrl, out returnUrl))
        {
            return new StartFailure(StartFailureReason.ReturnUrlNotAllowed,
                "returnUrl must be an absolute URL under one of the configured Connect:AllowedReturnUrls.");
        }

        if (!TryParseOptions(request, out var responseMode, out var binding))
        {
            return new StartFailure(StartFailureReason.InvalidOption,
                "responseMode must be \"fragment\" or \"form_post\"; completion must be \"browser\" or \"server\".");
        }

        IReadOnlyDictionary<string, string>? metadata = null;
        if (request.Metadata is { } tags && (metadata = MetadataTags.Validate(tags, out var problem)) is null)
        {
            return new StartFailure(StartFailureReason.InvalidMetadata, problem!);
        }

        ProviderEndpoints resolved;
        try
        {
            resolved = await endpoints.ResolveAsync(provider, cancellationToken);
        }
        catch (ProviderUnavailableException)
        {
            return new StartFailure(StartFailureReason.ProviderUnavailable,
                $"The configuration of provider '{provider.Id}' could not be read from it; retry later.");
        }

        var scopes = provider.Scopes.Concat(requested).Distinct(StringComparer.Ordinal).ToList();
        var now = time.GetUtcNow();
        var stateValue = OAuthStateStore.NewStateValue();
        var stateHash = OAuthStateStore.HashOf(stateValue);
        var verifier = provider.UsePkce ? Pkce.CreateVerifier() : null;
        var redirectUri = RedirectUriFor(provider.Id);
        var state = new OAuthState
        {
            StateHash = stateHash,
            UserId = userId,
            ConnectionId = connectionId,
            ProviderId = provider.Id,
            RedirectUri = redirectUri,
            Scopes = scopes,
            ReturnUrl = returnUrl,
            ResponseMode = responseMode,
            Binding = binding,
            Metadata = metadata,
            StartedBy = caller.Id,
            CreatedAt = now,
            ExpiresAt = now + connect.Value.StateLifetime,
            PkceVerifierEnvelope = verifier is null ? null : await cipher.EncryptAsync(verifier, OAuthState.VerifierContext(stateHash), cancellationToken),
        };
        await states.AddAsync(state, cancellationToken);
        await audit.AppendAsync(new AuditEvent(caller.Id, userId, connectionId, AuditActions.Connect, "started", correlationId, now, provider.Id), cancellationToken);

        var query = new Dictionary<string, string?>(provider.AuthorizeParameters.ToDictionary(p => p.Key, p => (string?)p.Value), StringComparer.Ordinal)
        {
            ["response_type"] = "code",
            ["client_id"] = provider.ClientId,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["state"] = stateValue,
        };
        if (scopes.Count > 0)
        {
            query["scope"] = string.Join(provider.ScopeSeparator, scopes);
        }

        if (verifier is not null)
        {
            query["code_challenge"] = Pkce.ChallengeFor(verifier);
            query["code_challenge_method"] = "S256";
        }

        var authorizationUrl = new Uri(QueryHelpers.AddQueryString(resolved.AuthorizationEndpoint.AbsoluteUri, query));
        return new StartConnectionResponse(connectionId, provider.Id, authorizationUrl, state.ExpiresAt);
    }

    private bool TryParseOptions(StartConnectionRequest request, out ResponseMode responseMode, out CompletionBinding binding)
    {
        ResponseMode? mode = request.ResponseMode switch
        {
            null => connect.Value.ResponseMode,
            "fragment" => ResponseMode.Fragment,
            "form_post" => ResponseMode.FormPost,
            _ => null,
        };
        CompletionBinding? bound = request.Completion switch
        {
            null or "browser" => CompletionBinding.Browser,
            "server" => CompletionBinding.Server,
            _ => null,
        };
        responseMode = mode.GetValueOrDefault();
        binding = bound.GetValueOrDefault();
        return mode is not null && bound is not null;
    }
}
