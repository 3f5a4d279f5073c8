namespace Credentials.Functions.Foundation.Configuration;

/// <summary>
/// App Service resolves <c>@Microsoft.KeyVault(…)</c> settings before the app starts; when it cannot (no access, wrong
/// name, network), the app sees the reference text itself. Used as a secret, that text fails every call with an error
/// that looks like the provider's or Authress' fault, so such a setting stops start-up instead.
/// </summary>
internal static class KeyVaultReferences
{
    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);

    public static string Failure(string setting) =>
        $"{setting} is still a Key Vault reference: the platform could not resolve it. Check that the app's identity may read the secret " +
        "(Key Vault Secrets User), that the secret exists, and that the vault is reachable from the app.";
}
