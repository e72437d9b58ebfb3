/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Precise signatures from descriptions (dbus-bridge/dbus-schema.c) and the
 * layout of values as arguments (dbus-shape.c), on messages built in
 * memory: every rule of docs/dbus.md, "Precise signatures".
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include "afbtest.h"
#include "memmsg.h"
#include "dbus-json.h"
#include "dbus-schema.h"
#include "dbus-shape.h"

static struct dbus_schema *schema;

static const char description[] =
"{"
" \"openapi\": \"3.0.0\","
" \"info\": { \"title\": \"t\", \"version\": \"1\", \"description\": \"the info\" },"
" \"components\": {"
"  \"schemas\": {"
"   \"Text\": { \"type\": \"string\" },"
"   \"Point\": { \"type\": \"object\", \"properties\": { \"x\": { \"type\": \"integer\" }, \"y\": { \"type\": \"integer\" } },"
"              \"required\": [ \"x\", \"y\" ] },"
"   \"Loop\": { \"$ref\": \"#/components/schemas/Loop\" },"
"   \"afb-reply\": { \"type\": \"object\", \"required\": [ \"jtype\", \"request\" ], \"properties\": {"
"      \"jtype\": { \"type\": \"string\" }, \"request\": { \"type\": \"object\" },"
"      \"response\": { \"$ref\": \"#/components/schemas/Point\" } } }"
"  },"
"  \"responses\": { \"200\": { \"description\": \"the envelope\","
"     \"content\": { \"application/json\": { \"schema\": { \"$ref\": \"#/components/schemas/afb-reply\" } } } } },"
"  \"parameters\": { \"n\": { \"in\": \"query\", \"name\": \"n\", \"required\": true,"
"     \"schema\": { \"type\": \"integer\", \"format\": \"uint64\" } } }"
" },"
" \"x-events\": {"
"  \"moved\": { \"description\": \"a point\", \"schema\": { \"$ref\": \"#/components/schemas/Point\" } },"
"  \"free\": { \"description\": \"no schema\" },"
"  \"count\": { \"schema\": { \"type\": \"integer\" } },"
"  \"ping\": { \"schema\": { \"type\": \"string\" } }"
" },"
" \"paths\": {"
"  \"/ping\": { \"get\": {"
"    \"requestBody\": { \"content\": { \"application/json\": { \"schema\": { \"type\": \"object\", \"properties\": {},"
"        \"additionalProperties\": false } } } },"
"    \"responses\": { \"200\": { \"description\": \"pong\", \"content\": { \"application/json\": { \"schema\": {"
"        \"type\": \"object\", \"properties\": { \"ping\": { \"type\": \"string\" } }, \"required\": [ \"ping\" ] } } } } } } },"
"  \"/echo\": { \"get\": { \"responses\": { \"200\": { \"description\": \"anything\" } } } },"
"  \"/say\": { \"post\": {"
"    \"requestBody\": { \"content\": { \"application/json\": { \"schema\": { \"type\": \"object\","
"        \"properties\": { \"text\": { \"$ref\": \"#/components/schemas/Text\" },"
"                          \"times\": { \"type\": \"integer\", \"format\": \"int32\" } },"
"        \"required\": [ \"text\" ] } } } } } },"
"  \"/q\": { \"parameters\": [ { \"$ref\": \"#/components/parameters/n\" } ], \"get\": {"
"    \"parameters\": [ { \"in\": \"query\", \"name\": \"flag\", \"schema\": { \"type\": \"boolean\" } } ] } },"
"  \"/types\": { \"get\": { \"requestBody\": { \"content\": { \"application/json\": { \"schema\": {"
"    \"type\": \"object\", \"required\": [ \"a\", \"m\", \"o\", \"n\", \"u\", \"aa\", \"d\", \"e\", \"i\", \"p\" ],"
"    \"properties\": {"
"     \"a\": { \"type\": \"array\", \"items\": { \"type\": \"string\" } },"
"     \"m\": { \"type\": \"object\", \"additionalProperties\": { \"type\": \"number\" } },"
"     \"o\": { \"type\": \"object\", \"properties\": { \"z\": { \"type\": \"string\" } } },"
"     \"n\": { \"type\": [ \"string\", \"null\" ] },"
"     \"u\": {},"
"     \"aa\": { \"type\": \"array\", \"items\": { \"type\": \"array\" } },"
"     \"d\": { \"type\": \"number\", \"nullable\": true },"
"     \"e\": { \"enum\": [ \"x\", \"y\" ] },"
"     \"i\": { \"type\": \"integer\", \"format\": \"uint32\" },"
"     \"p\": { \"$ref\": \"#/components/schemas/Point\" }"
"    } } } } } } },"
"  \"/names\": { \"get\": {"
"    \"requestBody\": { \"content\": { \"application/json\": { \"schema\": { \"$ref\": \"#/components/schemas/Names\" } } } },"
"    \"responses\": { \"200\": { \"description\": \"\", \"content\": { \"application/json\": { \"schema\": {"
"        \"type\": \"object\", \"properties\": { \"info\": { \"type\": \"integer\" }, \"2fa\": { \"type\": \"boolean\" } },"
"        \"required\": [ \"info\", \"2fa\" ] } } } } } } },"
"  \"/env\": { \"get\": { \"responses\": { \"200\": { \"$ref\": \"#/components/responses/200\" } } } },"
"  \"/list\": { \"get\": { \"responses\": { \"200\": { \"description\": \"\", \"content\": { \"application/json\": {"
"      \"schema\": { \"type\": \"array\", \"items\": { \"type\": \"integer\" } } } } } } } },"
"  \"/open\": { \"get\": { \"requestBody\": { \"content\": { \"application/json\": { \"schema\": {"
"      \"type\": \"object\", \"properties\": { \"a\": { \"type\": \"string\" } }, \"required\": [ \"a\" ],"
"      \"additionalProperties\": true } } } } } },"
"  \"/loop\": { \"get\": { \"requestBody\": { \"content\": { \"application/json\": { \"schema\": {"
"      \"$ref\": \"#/components/schemas/Loop\" } } } } } },"
"  \"/objresp\": { \"get\": { \"responses\": { \"200\": { \"description\": \"\", \"content\": { \"application/json\": {"
"      \"schema\": { \"type\": \"object\" } } } } } } },"
"  \"/strarg\": { \"get\": { \"requestBody\": { \"content\": { \"application/json\": {"
"      \"schema\": { \"type\": \"array\", \"items\": { \"type\": \"string\" } } } } } } },"
"  \"/my-verb\": { \"get\": {} },"
"  \"notaverb\": { \"get\": {} }"
" }"
"}";

/* "/names" refers to this one, added to the components by check_parse */
static const char names_schema[] =
"{ \"type\": \"object\", \"properties\": { \"my-field\": { \"type\": \"string\" }, \"options\": { \"type\": \"string\" },"
"  \"info\": { \"type\": \"integer\" } }, \"required\": [ \"my-field\", \"options\" ] }";

static void put_json(void *p)
{
	json_object_put(p);
}

static void put_schema(void *p)
{
	dbus_schema_unref(p);
}

static const struct dbus_schema_verb *verb(const char *name)
{
	for (int i = 0; i < schema->nverbs; i++)
		if (!strcmp(schema->verbs[i].name, name))
			return &schema->verbs[i];
	afbt_fail("no verb %s", name);
}

/* names "a\0b\0" as "a,b" */
static const char *joined(const char *names, size_t len)
{
	char *out = afbt_keep(calloc(1, len + 1), free);

	for (size_t i = 0; i < len; i++)
		out[i] = names[i] ? names[i] : ',';
	if (len)
		out[len - 1] = 0;
	return out;
}

static const char *verb_names(const struct dbus_schema_verb *v)
{
	size_t len = v->in.names_len + v->out.names_len;

	return joined(v->names, len + strlen(v->names + len) + 1);
}

#define CHECK_VERB(name_, in_, out_, names_) do { const struct dbus_schema_verb *v_ = verb(name_); \
	CHECK_STR(v_->in.signature, in_); CHECK_STR(v_->out_signature, out_); CHECK_STR(verb_names(v_), names_); } while (0)

static void check_parse(void)
{
	struct json_object *desc = afbt_keep(json_tokener_parse(description), put_json);

	CHECK(desc);
	json_object_object_add(afbt_jget(desc, "components.schemas"), "Names", json_tokener_parse(names_schema));
	schema = afbt_keep(dbus_schema_new(desc, "t"), put_schema);
	CHECK(schema);
	CHECK_STR(schema->info, "the info");
	CHECK_EQ(schema->nverbs, 13);	/* "notaverb" is not "/..." */
}

static void check_signatures(void)
{
	/* no argument; a response with one required member */
	CHECK_VERB("ping", "", "ss", "ping,info");
	/* no schema: the generic shapes */
	CHECK_VERB("echo", "a{sv}", "vs", "args,response,info");
	/* required members as arguments, optional ones in the trailing a{sv} */
	CHECK_VERB("say", "sa{sv}", "vs", "text,options,response,info");
	/* parameters, of the path item and of the operation, through $ref */
	CHECK_VERB("q", "ta{sv}", "vs", "n,options,response,info");
	/* the types */
	CHECK_VERB("types", "asa{sd}a{sv}vvaavvsua{sv}", "vs", "a,m,o,n,u,aa,d,e,i,p,response,info");
	/* labels as names; a label equal to a fixed name: the fixed name gets a '_' */
	CHECK_VERB("names", "ssa{sv}", "xbs", "my_2dfield,options,options_,info,_32fa,info_");
	/* the 2017 envelope: its "response" member, through two $refs */
	CHECK_VERB("env", "a{sv}", "xxs", "args,x,y,info");
	CHECK_VERB("list", "a{sv}", "axs", "args,response,info");
	/* additionalProperties: true */
	CHECK_VERB("open", "sa{sv}", "vs", "a,options,response,info");
	CHECK(verb("open")->in.open);
	CHECK(!verb("say")->in.open);
	/* a $ref loop: generic */
	CHECK_VERB("loop", "a{sv}", "vs", "args,response,info");
	/* a response that is an object without members may be null: v */
	CHECK_VERB("objresp", "a{sv}", "vs", "args,response,info");
	/* arguments that are not an object */
	CHECK_VERB("strarg", "as", "vs", "args,response,info");
	CHECK_STR(verb("my-verb")->member, "my_2dverb");
	CHECK_STR(verb("ping")->member, "ping");
}

static void check_events(void)
{
	const struct dbus_schema_event *e;

	CHECK_EQ(schema->nevents, 4);
	e = dbus_schema_event(schema, "moved");
	CHECK(e);
	CHECK_STR(e->member, "moved");
	CHECK_STR(e->data.signature, "xx");
	CHECK_STR(joined(e->data.names, e->data.names_len), "x,y");
	e = dbus_schema_event(schema, "free");
	CHECK(e);
	CHECK_STR(e->data.signature, "v");
	CHECK_STR(joined(e->data.names, e->data.names_len), "data");
	e = dbus_schema_event(schema, "count");
	CHECK_STR(e->data.signature, "x");
	/* a verb has that member: no signal of its own */
	CHECK(!dbus_schema_event(schema, "ping"));
	CHECK(!dbus_schema_event(schema, "nosuch"));
}

static void check_empty(void)
{
	struct dbus_schema *s = dbus_schema_new(NULL, "x");

	CHECK(s);
	CHECK_EQ(s->nverbs, 0);
	CHECK_STR(s->info, "");
	dbus_schema_unref(s);
	s = dbus_schema_new(afbt_keep(json_tokener_parse("{\"paths\":[1],\"x-events\":\"no\",\"info\":3}"), put_json), "x");
	CHECK(s);
	CHECK_EQ(s->nverbs, 0);
	CHECK_EQ(s->nevents, 0);
	dbus_schema_unref(s);
}

/* ------------------------------------------------------------ shapes on messages */

/* 'json' appended as 'shape', read back: its text, or "error N" */
static const char *through(const struct dbus_shape *shape, const char *json)
{
	struct json_object *v = afbt_keep(json_tokener_parse(json), put_json), *back = NULL;
	sd_bus_message *m = memmsg_new();
	size_t budget = 1 << 20;
	int rc = dbus_shape_append(shape, m, v);

	if (rc < 0)
		return afbt_fmt("error %d", rc);
	memmsg_ready(m);
	CHECK_STR(sd_bus_message_get_signature(m, 1), shape->signature);
	rc = dbus_shape_read(shape, m, &back, &budget);
	afbt_keep(back, put_json);
	if (rc < 0)
		return afbt_fmt("error %d", rc);
	CHECK(sd_bus_message_at_end(m, 1) > 0);
	return json_object_to_json_string_ext(back, DBUS_JSON_TEXT);
}

static void check_shapes(void)
{
	/* positional members first, then the rest in order */
	CHECK_STR(through(&verb("say")->in, "{\"times\":3,\"text\":\"hi\"}"), "{\"text\":\"hi\",\"times\":3}");
	CHECK_STR(through(&verb("say")->in, "{\"text\":\"hi\"}"), "{\"text\":\"hi\"}");
	/* undeclared members are dropped, unless the schema allows others */
	CHECK_STR(through(&verb("say")->in, "{\"text\":\"hi\",\"zz\":1}"), "{\"text\":\"hi\"}");
	CHECK_STR(through(&verb("open")->in, "{\"a\":\"x\",\"zz\":[1]}"), "{\"a\":\"x\",\"zz\":[1]}");
	/* what does not fit */
	CHECK_STR(through(&verb("say")->in, "{\"times\":3}"), afbt_fmt("error %d", -EPROTOTYPE));
	CHECK_STR(through(&verb("say")->in, "[\"hi\"]"), afbt_fmt("error %d", -EPROTOTYPE));
	CHECK_STR(through(&verb("say")->in, "null"), afbt_fmt("error %d", -EPROTOTYPE));
	CHECK_STR(through(&verb("say")->in, "{\"text\":1}"), afbt_fmt("error %d", -EPROTOTYPE));
	CHECK_STR(through(&verb("q")->in, "{\"n\":-1}"), afbt_fmt("error %d", -ERANGE));
	/* no argument */
	CHECK_STR(through(&verb("ping")->in, "{\"ignored\":1}"), "{}");
	CHECK_STR(through(&verb("ping")->out, "{\"ping\":\"pong\"}"), "{\"ping\":\"pong\"}");
	/* generic shapes */
	CHECK_STR(through(&dbus_shape_response, "null"), "null");
	CHECK_STR(through(&dbus_shape_response, "[1,{\"a\":null}]"), "[1,{\"a\":null}]");
	CHECK_STR(through(&dbus_shape_args, "{\"a\":[]}"), "{\"a\":[]}");
	CHECK_STR(through(&dbus_shape_args, "[]"), afbt_fmt("error %d", -EPROTOTYPE));
	CHECK_STR(through(&verb("types")->in,
			  "{\"a\":[\"x\"],\"m\":{\"k\":1.5},\"o\":{\"z\":\"w\"},\"n\":null,\"u\":[true],\"aa\":[[1,\"x\"]],"
			  "\"d\":2,\"e\":\"y\",\"i\":4294967295,\"p\":{\"x\":1,\"y\":2}}"),
		  "{\"a\":[\"x\"],\"m\":{\"k\":1.5},\"o\":{\"z\":\"w\"},\"n\":null,\"u\":[true],\"aa\":[[1,\"x\"]],"
		  "\"d\":2,\"e\":\"y\",\"i\":4294967295,\"p\":{\"x\":1,\"y\":2}}");
}

/* a member given as an argument and in the rest is refused */
static void check_duplicate(void)
{
	sd_bus_message *m = memmsg_new();
	struct json_object *back = NULL;
	size_t budget = 1 << 20;

	CHECK(sd_bus_message_append(m, "sa{sv}", "hi", 1, "text", "s", "again") >= 0);
	memmsg_ready(m);
	CHECK_EQ(dbus_shape_read(&verb("say")->in, m, &back, &budget), -EEXIST);
	CHECK(!back);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	memmsg_init();
	afbt_run("parse", check_parse);
	afbt_run("signatures", check_signatures);
	afbt_run("events", check_events);
	afbt_run("empty", check_empty);
	afbt_run("shapes", check_shapes);
	afbt_run("duplicate", check_duplicate);
	memmsg_done();
	return afbt_done();
}
