/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drivers/conf *_xml_update: a change through an attribute file edits only
 * the element it concerns, the rest of config.xml stays byte for byte, an
 * update that changes nothing returns the text unchanged, and what comes out
 * still parses and validates with the values asked for. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf.h"
#include "tests/unit/unit.h"

#define UUID1 "0b5d8f3e-7c1a-4e2b-9f6d-2a3c4b5d6e7f"
#define UUID2 "11111111-2222-3333-4444-555555555555"

/* Single quotes, a declaration, comments everywhere, odd blanks in tags,
 * tabs and spaces mixed, units other than KiB, CDATA and references. */
static const char hand_made[] = "<?xml version='1.0' encoding='UTF-8'?>\n"
				"<!-- managed by hand: <memory>0</memory> -->\n"
				"<domain type='test'>\n"
				"   <name>web</name>\n"
				"   <uuid>" UUID1 "</uuid>\n"
				"\t<memory unit='MiB'  >512</memory>  <!-- half a gig -->\n"
				"   <currentMemory unit = 'MiB'><!-- now -->256</currentMemory>\n"
				"   <vcpu placement='static'\n"
				"         current='1'>2</vcpu>\n"
				"   <os><type>hvm</type></os>\n"
				"   <description><![CDATA[<b>web</b> & co]]> &amp; more</description>\n"
				"</domain>\n"
				"<!-- end -->\n";

/* text with its first old replaced by new_text (NULL when old is absent):
 * the one difference an update may make. */
static char *replaced(const char *text, const char *old, const char *new_text)
{
	const char *at = strstr(text, old);
	size_t head, old_len = strlen(old), new_len = strlen(new_text);
	char *out;

	if (!at)
		return NULL;
	head = (size_t)(at - text);
	out = malloc(strlen(text) - old_len + new_len + 1);
	if (!out)
		return NULL;
	memcpy(out, text, head);
	memcpy(out + head, new_text, new_len);
	strcpy(out + head + new_len, at + old_len);
	return out;
}

/* out must parse and validate as a domain with want's values. */
static void check_domain_result(const char *label, const char *out, const struct hv_domain_def *want)
{
	struct hv_domain_def got = {0};
	struct hv_error err = {0};

	CHECK_INT(out ? hv_domain_def_parse(out, strlen(out), want->name, &got, &err) : -1, 0,
		  "%s: the result validates", label);
	if (err.message[0])
		printf("#   %s\n", err.message);
	CHECK(out && strcmp(got.name, want->name) == 0 && strcmp(got.uuid, want->uuid) == 0 &&
		  got.max_memory_kib == want->max_memory_kib && got.memory_kib == want->memory_kib &&
		  got.max_vcpus == want->max_vcpus && got.vcpus == want->vcpus,
	      "%s: the result states the definition", label);
}

struct domain_edit {
	const char *label;
	/* The change, 0 or NULL for none. */
	uint64_t max_memory_kib, memory_kib;
	unsigned max_vcpus, vcpus;
	const char *name, *uuid;
	/* The one place it shows in hand_made. */
	const char *old, *new_text;
};

static const struct domain_edit domain_edits[] = {
    {"memory", 0, 393216, 0, 0, NULL, NULL, "<currentMemory unit = 'MiB'><!-- now -->256</currentMemory>",
     "<currentMemory unit = 'KiB'><!-- now -->393216</currentMemory>"},
    {"max_memory", 1048576, 0, 0, 0, NULL, NULL, "<memory unit='MiB'  >512</memory>",
     "<memory unit='KiB'  >1048576</memory>"},
    {"max_memory equal in other units", 524288, 0, 0, 0, NULL, NULL, "", ""},
    {"vcpus", 0, 0, 0, 2, NULL, NULL, "current='1'>", "current='2'>"},
    {"max_vcpus", 0, 0, 4, 0, NULL, NULL, "current='1'>2</vcpu>", "current='1'>4</vcpu>"},
    {"name", 0, 0, 0, 0, "web2", NULL, "<name>web</name>", "<name>web2</name>"},
    {"uuid", 0, 0, 0, 0, NULL, UUID2, "<uuid>" UUID1 "</uuid>", "<uuid>" UUID2 "</uuid>"},
    {"uuid in another spelling", 0, 0, 0, 0, NULL, "0B5D8F3E7C1A4E2B9F6D2A3C4B5D6E7F", "", ""},
};

static void check_domain_edits(void)
{
	struct hv_domain_def def, changed;
	struct hv_error err = {0};
	char *out = NULL, *want;

	CHECK_INT(hv_domain_def_parse(hand_made, sizeof(hand_made) - 1, "web", &def, &err), 0,
		  "hand-made domain parses");
	CHECK_INT(hv_domain_xml_update(hand_made, sizeof(hand_made) - 1, &def, &out, &err), 0,
		  "no-op update");
	CHECK_STR(out, hand_made, "no-op update returns the text byte for byte");
	free(out);

	for (size_t i = 0; i < sizeof(domain_edits) / sizeof(domain_edits[0]); i++) {
		const struct domain_edit *e = &domain_edits[i];

		changed = def;
		if (e->max_memory_kib)
			changed.max_memory_kib = e->max_memory_kib;
		if (e->memory_kib)
			changed.memory_kib = e->memory_kib;
		if (e->max_vcpus)
			changed.max_vcpus = e->max_vcpus;
		if (e->vcpus)
			changed.vcpus = e->vcpus;
		if (e->name)
			strcpy(changed.name, e->name);
		if (e->uuid)
			strcpy(changed.uuid, e->uuid);
		out = NULL;
		CHECK_INT(hv_domain_xml_update(hand_made, sizeof(hand_made) - 1, &changed, &out, &err), 0,
			  "%s: update", e->label);
		want = replaced(hand_made, e->old, e->new_text);
		CHECK_STR(out, want, "%s: only %s changed", e->label, e->old[0] ? e->old : "nothing");
		if (e->uuid && !e->old[0]) /* the same UUID: what the XML says is the normalized one */
			hv_uuid_normalize(e->uuid, changed.uuid);
		check_domain_result(e->label, out, &changed);
		free(want);
		free(out);
	}
}

/* Double quotes, CRLF and tabs; <uuid>, <currentMemory> and <vcpu> left out. */
static void check_domain_insertions(void)
{
	static const char crlf[] = "<domain type=\"test\">\r\n"
				   "\t<name>db</name>\r\n"
				   "\t<memory>1024</memory>\r\n"
				   "\t<os>\r\n"
				   "\t\t<type>hvm</type>\r\n"
				   "\t</os>\r\n"
				   "</domain>\r\n";
	static const char want[] = "<domain type=\"test\">\r\n"
				   "\t<name>db</name>\r\n"
				   "\t<memory>2048</memory>\r\n"
				   "\t<currentMemory unit=\"KiB\">512</currentMemory>\r\n"
				   "\t<vcpu current=\"2\">4</vcpu>\r\n"
				   "\t<os>\r\n"
				   "\t\t<type>hvm</type>\r\n"
				   "\t</os>\r\n"
				   "</domain>\r\n";
	struct hv_domain_def def;
	struct hv_error err = {0};
	char *out = NULL;

	CHECK_INT(hv_domain_def_parse(crlf, sizeof(crlf) - 1, "db", &def, &err), 0, "CRLF domain parses");
	CHECK_INT(hv_domain_xml_update(crlf, sizeof(crlf) - 1, &def, &out, &err), 0, "CRLF no-op update");
	CHECK_STR(out, crlf, "CRLF no-op keeps the text");
	free(out);

	strcpy(def.uuid, UUID1);
	def.max_memory_kib = 2048;
	def.memory_kib = 512;
	def.max_vcpus = 4;
	def.vcpus = 2;
	CHECK_INT(hv_domain_xml_update(crlf, sizeof(crlf) - 1, &def, &out, &err), 0, "CRLF update");
	CHECK_STR(out, want, "missing elements inserted in order, indented, CRLF, the document's quotes");
	def.uuid[0] = '\0'; /* a document without a <uuid> keeps having none */
	check_domain_result("CRLF insertions", out, &def);
	free(out);
}

/* Values the parser sees through references and CDATA compare by value. */
static void check_domain_values(void)
{
	static const char referenced[] = "<domain type='test'><name>r</name>"
					 "<memory>&#49;024</memory>"
					 "<currentMemory><![CDATA[512]]></currentMemory>"
					 "<os><type>hvm</type></os></domain>";
	struct hv_domain_def def;
	struct hv_error err = {0};
	char *out = NULL, *want;

	CHECK_INT(hv_domain_def_parse(referenced, sizeof(referenced) - 1, "r", &def, &err), 0,
		  "references parse");
	CHECK_INT(def.max_memory_kib, 1024, "a character reference is read");
	CHECK_INT(hv_domain_xml_update(referenced, sizeof(referenced) - 1, &def, &out, &err), 0,
		  "references no-op");
	CHECK_STR(out, referenced, "equal values behind a reference or CDATA stay as written");
	free(out);

	def.memory_kib = 256;
	CHECK_INT(hv_domain_xml_update(referenced, sizeof(referenced) - 1, &def, &out, &err), 0,
		  "CDATA value update");
	want = replaced(referenced, "<![CDATA[512]]>", "256");
	CHECK_STR(out, want, "a CDATA value replaced; no unit added where there was none");
	check_domain_result("CDATA value", out, &def);
	free(want);
	free(out);
}

/* Invalid definitions are refused, and nothing comes out. */
static void check_domain_refusals(void)
{
	struct hv_domain_def def;
	struct hv_error err = {0};
	char *out = NULL;

	hv_domain_def_parse(hand_made, sizeof(hand_made) - 1, "web", &def, &err);
	def.memory_kib = def.max_memory_kib + 1;
	CHECK_INT(hv_domain_xml_update(hand_made, sizeof(hand_made) - 1, &def, &out, &err), -EINVAL,
		  "memory above max refused");
	CHECK(out == NULL, "nothing comes out of a refused update");
	def.memory_kib = def.max_memory_kib;
	strcpy(def.name, "a<b");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_xml_update(hand_made, sizeof(hand_made) - 1, &def, &out, &err), -EINVAL,
		  "a name that is not one refused");
	CHECK(out == NULL && strstr(err.message, "not valid"), "and said why: %s", err.message);
}

static void check_network_and_pool(void)
{
	static const char network[] = "<network>\n"
				      "    <!-- the lab -->\n"
				      "    <name>lab</name>\n"
				      "    <forward mode='nat'/>\n"
				      "    <ip address='10.9.0.1' netmask='255.255.255.0'>\n"
				      "      <dhcp><range start='10.9.0.2' end='10.9.0.9'/></dhcp>\n"
				      "    </ip>\n"
				      "</network>";
	static const char pool[] = "<pool type='dir'>\r\n"
				   "  <name>images</name> <!-- renamed by mv -->\r\n"
				   "  <uuid>" UUID1 "</uuid>\r\n"
				   "  <target><path>/srv/a&amp;b</path></target>\r\n"
				   "</pool>\r\n";
	struct hv_network_def net, reread;
	struct hv_pool_def *def = calloc(1, sizeof(*def));
	struct hv_error err = {0};
	char *out = NULL, *want;

	CHECK_INT(hv_network_def_parse(network, sizeof(network) - 1, "lab", &net, &err), 0, "network parses");
	CHECK_INT(hv_network_xml_update(network, sizeof(network) - 1, &net, &out, &err), 0, "network no-op");
	CHECK_STR(out, network, "network no-op keeps the text");
	free(out);
	strcpy(net.name, "lab2");
	strcpy(net.uuid, UUID2);
	CHECK_INT(hv_network_xml_update(network, sizeof(network) - 1, &net, &out, &err), 0, "network update");
	want = replaced(network, "<name>lab</name>\n", "<name>lab2</name>\n");
	CHECK_STR(out, want, "network: name changed, no uuid inserted into a document without one");
	CHECK_INT(out ? hv_network_def_parse(out, strlen(out), "lab2", &reread, &err) : -1, 0,
		  "network result validates");
	CHECK_STR(reread.uuid, "", "network result has no uuid");
	free(want);
	free(out);

	if (!def)
		return;
	CHECK_INT(hv_pool_def_parse(pool, sizeof(pool) - 1, "images", def, &err), 0, "pool parses");
	CHECK_INT(hv_pool_xml_update(pool, sizeof(pool) - 1, def, &out, &err), 0, "pool no-op");
	CHECK_STR(out, pool, "pool no-op keeps the text");
	free(out);
	strcpy(def->name, "pictures");
	CHECK_INT(hv_pool_xml_update(pool, sizeof(pool) - 1, def, &out, &err), 0, "pool rename");
	want = replaced(pool, "<name>images</name>", "<name>pictures</name>");
	CHECK_STR(out, want, "pool: only the name changed, CRLF and the comment kept");
	CHECK_INT(out ? hv_pool_def_parse(out, strlen(out), "pictures", def, &err) : -1, 0,
		  "pool result validates");
	CHECK_STR(def->target_path, "/srv/a&b", "pool result keeps the escaped path");
	free(want);
	free(out);
	free(def);
}

int main(void)
{
	check_domain_edits();
	check_domain_insertions();
	check_domain_values();
	check_domain_refusals();
	check_network_and_pool();
	hv_conf_cleanup();
	return UNIT_DONE();
}
