import HTMLTemplate
import Testing

@Suite struct TemplateTests {
    @Test func variablesAreEscapedByDefault() throws {
        let template = try Template(name: "t", source: "<p title=\"{{name}}\">{{name}}</p>")
        #expect(
            template.render(["name": .text(#"<img src=x onerror="alert(1)">&'`"#)])
                == #"<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;&#96;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;&#96;</p>"#
        )
    }

    /// Raw insertion needs both the triple tag and a value marked trusted.
    @Test func onlyTrustedHTMLIsInsertedRaw() throws {
        let template = try Template(name: "t", source: "{{{chart}}}|{{{user}}}|{{chart}}")
        let output = template.render(["chart": .trustedHTML("<svg/>"), "user": .text("<b>")])
        #expect(output == "<svg/>|&lt;b&gt;|&lt;svg/&gt;")
    }

    @Test func sectionsIterateAndInvertedSectionsShowEmptyStates() throws {
        let template = try Template(
            name: "t",
            source: "{{#rows}}[{{device}}={{value}}]{{/rows}}{{^rows}}none{{/rows}}{{#ok}}!{{/ok}}{{! note }}")
        let rows: TemplateValue = .list([
            ["device": .text("01"), "value": .text("7")], ["device": .text("02"), "value": .text("9")],
        ])
        #expect(template.render(["rows": rows, "ok": .flag(true)]) == "[01=7][02=9]!")
        #expect(template.render(["rows": .list([])]) == "none")
    }

    @Test func outerNamesAreVisibleInsideSections() throws {
        let template = try Template(name: "t", source: "{{#rows}}{{user}}:{{device}} {{/rows}}")
        #expect(template.render(["user": .text("rick"), "rows": .list([["device": .text("01")]])]) == "rick:01 ")
    }

    @Test(arguments: ["{{#a}}x", "{{/a}}", "{{#a}}{{/b}}", "{{name", "{{}}"])
    func brokenTemplatesAreRefusedAtLoad(source: String) {
        #expect(throws: TemplateError.self) { try Template(name: "broken", source: source) }
    }
}
