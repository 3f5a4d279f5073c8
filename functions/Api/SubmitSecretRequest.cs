using System.Text.Json.Serialization;

namespace Credentials.Functions.Api;

/// <summary>The body of a secret submission; <see cref="ToString"/> names no secret.</summary>
internal sealed record SubmitSecretRequest(
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("secret")] string? Secret,
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("password")] string? Password)
{
    public override string ToString() => $"SubmitSecretRequest {{ Provider = {Provider} }}";
}
