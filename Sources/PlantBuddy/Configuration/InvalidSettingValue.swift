/// Why a setting's text is not a value of its kind; `Setting` adds the setting's name.
struct InvalidSettingValue: Error {
    let message: String
}
