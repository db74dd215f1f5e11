// SPDX-License-Identifier: GPL-2.0-only
// docs/dbus/org.fastmap.FastMap1.xml describes exactly what the running service offers.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "dbus/names.hpp"
#include "dbus_fixture.hpp"

namespace fastmap::test {
namespace {

struct Tag {
    std::string name;  // element name; "/name" for a closing tag
    std::map<std::string, std::string> attrs;
    bool self_closing = false;
};

// The tags of an introspection document (comments, declarations and text skipped). Enough for
// the D-Bus introspection format; not a general XML parser.
std::vector<Tag> scan_tags(const std::string& xml) {
    std::vector<Tag> tags;
    std::size_t i = 0;
    while ((i = xml.find('<', i)) != std::string::npos) {
        if (xml.compare(i, 4, "<!--") == 0) {
            const std::size_t end = xml.find("-->", i);
            i = end == std::string::npos ? xml.size() : end + 3;
            continue;
        }
        const std::size_t end = xml.find('>', i);
        if (end == std::string::npos) {
            break;
        }
        std::string body = xml.substr(i + 1, end - i - 1);
        i = end + 1;
        if (body.empty() || body[0] == '!' || body[0] == '?') {
            continue;
        }
        Tag tag;
        if (body.back() == '/') {
            tag.self_closing = true;
            body.pop_back();
        }
        std::size_t p = body.find_first_of(" \t\r\n");
        tag.name = body.substr(0, p);
        while (p != std::string::npos && p < body.size()) {
            p = body.find_first_not_of(" \t\r\n", p);
            if (p == std::string::npos) {
                break;
            }
            const std::size_t eq = body.find('=', p);
            if (eq == std::string::npos || eq + 1 >= body.size()) {
                break;
            }
            const char quote = body[eq + 1];
            const std::size_t close = body.find(quote, eq + 2);
            if (close == std::string::npos) {
                break;
            }
            tag.attrs[body.substr(p, eq - p)] = body.substr(eq + 2, close - eq - 2);
            p = close + 1;
        }
        tags.push_back(std::move(tag));
    }
    return tags;
}

// One line per fact about the interface: members, their arguments (in order, with types and
// directions) and annotations; properties with type and access.
std::set<std::string> describe(const std::string& xml, const std::string& interface) {
    std::set<std::string> out;
    bool inside = false;
    std::string member;  // "method Attach", "signal DecisionMade", "property Version"
    int arg = 0;
    for (const Tag& t : scan_tags(xml)) {
        if (t.name == "interface") {
            inside = t.attrs.count("name") && t.attrs.at("name") == interface;
            if (inside) {
                out.insert("interface " + interface);
            }
        } else if (t.name == "/interface") {
            inside = false;
        } else if (!inside) {
            continue;
        } else if (t.name == "method" || t.name == "signal" || t.name == "property") {
            member = t.name + " " + t.attrs.at("name");
            arg = 0;
            std::string line = member;
            if (t.name == "property") {
                line += " type=" + t.attrs.at("type") + " access=" + t.attrs.at("access");
            }
            out.insert(line);
            if (t.self_closing) {
                member.clear();
            }
        } else if (t.name == "/method" || t.name == "/signal" || t.name == "/property") {
            member.clear();
        } else if (t.name == "arg") {
            std::string line = member + " arg" + std::to_string(arg++) + " " +
                               (t.attrs.count("name") ? t.attrs.at("name") : "?") +
                               " type=" + t.attrs.at("type");
            if (member.rfind("method", 0) == 0) {
                line +=
                    " direction=" + (t.attrs.count("direction") ? t.attrs.at("direction") : "in");
            }
            out.insert(line);
        } else if (t.name == "annotation") {
            out.insert((member.empty() ? "interface" : member) + " annotation " +
                       t.attrs.at("name") + "=" + t.attrs.at("value"));
        }
    }
    return out;
}

std::string lines(const std::set<std::string>& s) {
    std::string out;
    for (const auto& l : s) {
        out += "  " + l + "\n";
    }
    return out;
}

TEST(DbusIntrospectionScan, ReadsMembersArgsAndAnnotations) {
    const std::string xml = R"(<node><!-- <interface name="x"> -->
      <interface name="a.B"><method name="M"><arg name="x" type="s" direction="in"/>
      <arg type="u" direction="out"/></method>
      <property name="P" type='t' access="read"><annotation name="k" value="v"/></property>
      <signal name="S"><arg name="y" type="b"/></signal></interface>
      <interface name="c.D"><method name="Other"/></interface></node>)";
    const std::set<std::string> want = {
        "interface a.B",
        "method M",
        "method M arg0 x type=s direction=in",
        "method M arg1 ? type=u direction=out",
        "property P type=t access=read",
        "property P annotation k=v",
        "signal S",
        "signal S arg0 y type=b",
    };
    EXPECT_EQ(describe(xml, "a.B"), want);
}

TEST_F(DbusTest, IntrospectionMatchesTheDocumentedXml) {
    RawReply reply = raw_call(raw_.get(), "org.freedesktop.DBus.Introspectable", "Introspect");
    ASSERT_TRUE(reply.ok()) << reply.error_name;
    const char* runtime_xml = nullptr;
    ASSERT_GE(sd_bus_message_read(reply.reply.get(), "s", &runtime_xml), 0);

    std::ifstream file(FASTMAP_SOURCE_DIR "/docs/dbus/org.fastmap.FastMap1.xml");
    ASSERT_TRUE(file) << "cannot read docs/dbus/org.fastmap.FastMap1.xml";
    std::stringstream documented;
    documented << file.rdbuf();

    const auto runtime = describe(runtime_xml, dbus::kInterface);
    const auto docs = describe(documented.str(), dbus::kInterface);
    ASSERT_GT(runtime.size(), 20U) << runtime_xml;
    std::set<std::string> missing;  // offered but not documented
    std::set<std::string> extra;    // documented but not offered
    std::set_difference(runtime.begin(), runtime.end(), docs.begin(), docs.end(),
                        std::inserter(missing, missing.end()));
    std::set_difference(docs.begin(), docs.end(), runtime.begin(), runtime.end(),
                        std::inserter(extra, extra.end()));
    EXPECT_TRUE(missing.empty()) << "the service offers, the XML does not say:\n" << lines(missing);
    EXPECT_TRUE(extra.empty()) << "the XML says, the service does not offer:\n" << lines(extra);
}

}  // namespace
}  // namespace fastmap::test
