/* Unit tests for the Places API (New) mapping helpers. */
#include "test.h"

#include "places/places.h"

TEST(places_time_parses_rfc3339_with_fractions_and_offsets)
{
    CHECK_INT(places_parse_time("2024-01-15T14:50:00Z"), 1705330200);
    CHECK_INT(places_parse_time("2024-01-15T14:50:00.123456789Z"), 1705330200);
    CHECK_INT(places_parse_time("2024-01-15T16:50:00+02:00"), 1705330200);
    CHECK_INT(places_parse_time("2024-01-15T09:50:00-05:00"), 1705330200);
    CHECK_INT(places_parse_time("2024-01-15 14:50:00"), -1);
    CHECK_INT(places_parse_time("yesterday"), -1);
    CHECK_INT(places_parse_time(NULL), -1);
}

TEST(place_ids_use_googles_alphabet)
{
    CHECK(places_id_valid("ChIJr3_gqu5ZwokR-abc123"));
    CHECK(!places_id_valid(""));
    CHECK(!places_id_valid("ChIJ/../x"));
    CHECK(!places_id_valid("ChIJ x"));
    CHECK(!places_id_valid("ChIJ%2F"));
}

TEST(listing_mapping_fills_defaults_for_missing_fields)
{
    static const char body[] = "{\"id\":\"ChIJ1\",\"displayName\":{\"text\":\"Caf\\u00e9\"},"
                               "\"rating\":4.2,\"userRatingCount\":7,"
                               "\"location\":{\"latitude\":1.5,\"longitude\":-2.25}}";
    json_t *p = places_new_map(body, sizeof body - 1, PLACES_LISTING);
    CHECK(p);
    CHECK_STR(json_string_value(json_object_get(p, "place_id")), "ChIJ1");
    CHECK_STR(json_string_value(json_object_get(p, "name")), "Caf\xc3\xa9");
    CHECK_STR(json_string_value(json_object_get(p, "website")), "");
    CHECK_INT(json_integer_value(json_object_get(p, "reviews_count")), 7);
    CHECK(json_real_value(json_object_get(json_object_get(p, "location"), "lng")) == -2.25);
    CHECK(json_array_size(json_object_get(p, "types")) == 0);
    json_decref(p);
    json_t *none = places_new_map("[1,2]", 5, PLACES_LISTING);
    CHECK(none == NULL);
    static const char bare[] = "{}";
    json_t *empty = places_new_map(bare, 2, PLACES_LISTING);
    CHECK(json_is_null(json_object_get(empty, "rating")));
    CHECK(json_is_null(json_object_get(empty, "location")));
    json_decref(empty);
}

TEST(review_mapping_caps_at_five_and_converts_time)
{
    char body[4096] = "{\"id\":\"ChIJ2\",\"reviews\":[";
    for (int i = 0; i < 7; i++)
        snprintf(body + strlen(body), sizeof body - strlen(body),
                 "%s{\"rating\":%d,\"publishTime\":\"2024-01-15T14:50:00Z\","
                 "\"authorAttribution\":{\"displayName\":\"A%d\"},"
                 "\"text\":{\"text\":\"t\",\"languageCode\":\"fr\"}}",
                 i ? "," : "", 1 + i % 5, i);
    strcat(body, "]}");
    json_t *r = places_new_map(body, strlen(body), PLACES_REVIEWS);
    CHECK(r);
    json_t *list = json_object_get(r, "reviews");
    CHECK_INT(json_array_size(list), 5);
    json_t *first = json_array_get(list, 0);
    CHECK_STR(json_string_value(json_object_get(first, "author_name")), "A0");
    CHECK_STR(json_string_value(json_object_get(first, "language")), "fr");
    CHECK_INT(json_integer_value(json_object_get(first, "time")), 1705330200);
    CHECK_STR(json_string_value(json_object_get(first, "author_url")), "");
    json_decref(r);
}
