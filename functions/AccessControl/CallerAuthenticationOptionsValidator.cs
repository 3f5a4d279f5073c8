using Credentials.Functions.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

internal sealed class CallerAuthenticationOptionsValidator : IValidateOptions<CallerAuthenticationOptions>
{
    private const string Section = CallerAuthenticationOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, CallerAuthenticationOptions options)
    {
        var failures = new List<string>();
        if (options.Issuers.Count == 0)
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", "0", "Issuer")} is required: at least one trusted caller issuer (the Authress domain, or an OIDC issuer).");
        }

        for (var i = 0; i < options.Issuers.Count; i++)
        {
            var issuer = options.Issuers[i];
            var index = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!WebUrls.IsSecureOrLoopback(issuer.Issuer))
            {
                failures.Add($"{SettingName.Of(Section, "Issuers", index, "Issuer")} must be an https URL (http only on loopback, for local tools).");
            }

            if (issuer.Kind == IssuerKind.Oidc && string.IsNullOrWhiteSpace(issuer.Audience))
            {
                failures.Add($"{SettingName.Of(Section, "Issuers", index, "Audience")} is required for an OIDC issuer: without it any token that " +
                    "issuer signs for any application (e.g. any app in an Entra tenant) would be accepted. Set it to this service's application ID URI or client id.");
            }

            if (issuer.EffectiveAlgorithms.Any(a => a.StartsWith("HS", StringComparison.OrdinalIgnoreCase) || a.Equals("none", StringComparison.OrdinalIgnoreCase)))
            {
                failures.Add($"{SettingName.Of(Section, "Issuers", index, "Algorithms")} may not allow symmetric (HS*) or unsigned tokens.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
