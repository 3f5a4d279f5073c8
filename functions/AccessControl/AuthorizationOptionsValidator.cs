using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

internal sealed class AuthorizationOptionsValidator : IValidateOptions<AuthorizationOptions>
{
    public static readonly TimeSpan MaxAllowCache = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MaxDenyCache = TimeSpan.FromSeconds(5);

    public ValidateOptionsResult Validate(string? name, AuthorizationOptions options)
    {
        var failures = new List<string>();
        if (options.AllowCacheDuration < TimeSpan.Zero || options.AllowCacheDuration > MaxAllowCache)
        {
            failures.Add($"{SettingName.Of(AuthorizationOptions.SectionName, nameof(AuthorizationOptions.AllowCacheDuration))} must be between 00:00:00 and 00:01:00.");
        }

        if (options.DenyCacheDuration < TimeSpan.Zero || options.DenyCacheDuration > MaxDenyCache)
        {
            failures.Add($"{SettingName.Of(AuthorizationOptions.SectionName, nameof(AuthorizationOptions.DenyCacheDuration))} must be between 00:00:00 and 00:00:05.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
