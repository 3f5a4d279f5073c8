using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl.Authress;

internal sealed class AuthressOptionsValidator : IValidateOptions<AuthressOptions>
{
    private const string Section = AuthressOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, AuthressOptions options)
    {
        var failures = new List<string>();
        if (!WebUrls.IsSecureOrLoopback(options.ApiBaseUrl))
        {
            failures.Add($"{SettingName.Of(Section, nameof(AuthressOptions.ApiBaseUrl))} is required: the Authress account's https API host or custom domain.");
        }

        if (KeyVaultReferences.IsUnresolved(options.AccessKey))
        {
            failures.Add(KeyVaultReferences.Failure(SettingName.Of(Section, nameof(AuthressOptions.AccessKey))));
        }
        else if (!AuthressAccessKey.TryParse(options.AccessKey, out var parsed))
        {
            failures.Add($"{SettingName.Of(Section, nameof(AuthressOptions.AccessKey))} is required: the service client's access key (clientId.keyId.accountId.privateKey).");
        }
        else
        {
            parsed?.Dispose();
        }

        if (options.TotalTimeout < options.RequestTimeout || options.TotalTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{SettingName.Of(Section, nameof(AuthressOptions.TotalTimeout))} must be at least {nameof(AuthressOptions.RequestTimeout)} and at most 00:00:30.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.MaxRetries is < 0 or > 5)
        {
            failures.Add($"{SettingName.Of(Section, nameof(AuthressOptions.RequestTimeout))} must be positive and {SettingName.Of(Section, nameof(AuthressOptions.MaxRetries))} 0-5.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
