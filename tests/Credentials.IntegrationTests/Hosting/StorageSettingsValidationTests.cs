using Credentials.Tests.Support;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Hosting;

public sealed class StorageSettingsValidationTests
{
    [Theory]
    [InlineData("Encryption:KeySource", null, "Encryption:KeySource")]
    [InlineData("Encryption:KeySource", "Plaintext", "Encryption:KeySource")]
    [InlineData("Encryption:LocalKeys:test-0001", "too-short", "Encryption:LocalKeys:test-0001")]
    [InlineData("Storage:ConnectionString", null, "Storage:TableServiceUri")]
    public async Task A_missing_or_bad_storage_or_encryption_setting_stops_start_up_naming_it(string key, string? value, string named)
    {
        var exception = await Record.ExceptionAsync(() => RunningDevHost.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.NotNull(exception);
        Assert.True(exception is OptionsValidationException or InvalidOperationException, exception.ToString());
        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_vault_source_requires_an_https_vault_uri_and_is_never_replaced_by_local_keys()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningDevHost.StartAsync(new Dictionary<string, string?>
        {
            ["Encryption:KeySource"] = "KeyVault",
            ["Encryption:KeyVaultUri"] = "http://vault.example/",
        }));

        Assert.Contains("Encryption:KeyVaultUri", exception.Message, StringComparison.Ordinal);
    }
}
