using Microsoft.Extensions.Options;

namespace Kis.Realtime.Internal;

/// <summary>
/// Checks bound settings when the host starts (ValidateOnStart), naming the configuration key to fix, then applies
/// the client's own rules to the resulting options. One per registered client: it checks the options of its name only.
/// </summary>
internal sealed class KisRealtimeSettingsValidator(string optionsName, string sectionPath) : IValidateOptions<KisRealtimeSettings>
{
    private string Key(string name) => sectionPath.Length == 0 ? name : $"{sectionPath}:{name}";

    public ValidateOptionsResult Validate(string? name, KisRealtimeSettings settings)
    {
        if ((name ?? Options.DefaultName) != optionsName) return ValidateOptionsResult.Skip;
        var failures = new List<string>();
        if (string.IsNullOrEmpty(settings.AppKey) && string.IsNullOrEmpty(settings.AppSecret) && settings.Credentials.Count == 0)
            failures.Add($"{Key("AppKey")} and {Key("AppSecret")} are required (or {Key("Credentials")}); keep the secret in user secrets or the environment.");
        else if (string.IsNullOrEmpty(settings.AppKey) != string.IsNullOrEmpty(settings.AppSecret))
            failures.Add($"{Key("AppKey")} and {Key("AppSecret")} go together: one of them is missing.");
        for (var i = 0; i < settings.Credentials.Count; i++)
        {
            var c = settings.Credentials[i];
            if (string.IsNullOrEmpty(c.AppKey) || string.IsNullOrEmpty(c.AppSecret))
                failures.Add($"{Key($"Credentials:{i}")} needs both AppKey and AppSecret.");
        }
        if (settings.WebSocketUrl is { } ws && !ws.Scheme.Equals("ws", StringComparison.OrdinalIgnoreCase))
            failures.Add($"{Key("WebSocketUrl")} must be a plain ws:// URL (KIS's real-time service does not use TLS), not '{ws}'.");
        if (settings.RestBaseUrl is { } rest && rest.Scheme is not ("http" or "https"))
            failures.Add($"{Key("RestBaseUrl")} must be an http:// or https:// URL, not '{rest}'.");
        if (failures.Count > 0) return ValidateOptionsResult.Fail(failures);

        try
        {
            settings.ToOptions().Validate();
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"{sectionPath}: {e.Message}");
        }
        return ValidateOptionsResult.Success;
    }
}
