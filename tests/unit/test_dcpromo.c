/* Role changes (issue 14 item 5, emulator/dcpromo.c): Windows 2000's
 * dcpromo makes a member server an additional DC on the domain's database
 * and back, on disk as in memory, restarting a running machine; Windows NT
 * 4.0 and the wrong roles are refused with their reason. */
#include "emulator/lab.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ADMIN_PW "Adm1n!"

static bool has_file(const struct machine *m, const char *name)
{
    char p[4200];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", machine_dir(m), name);
    return stat(p, &sb) == 0;
}

static void test_dcpromo_w2k(void)
{
    const char *dir = unit_tmpdir();
    char err[512];
    struct lab *lab;
    struct machine *pdc, *exch;
    UNIT_ASSERT_STATUS_FATAL(lab_open(dir, true, &lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lab_machine_add(lab, "DC", ROLE_PDC, OSVER_W2K, "CORP", ADMIN_PW, &pdc),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(lab, "EXCHSRV", ROLE_MEMBER, OSVER_W2K, "CORP", ADMIN_PW, &exch),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(lab, err, sizeof err), STATUS_SUCCESS);
    struct sid member_sid = *machine_sid(exch);

    /* wrong roles and unknown machines */
    UNIT_ASSERT_STATUS(lab_machine_promote(lab, "DC", err, sizeof err), STATUS_INVALID_PARAMETER);
    CU_ASSERT(strstr(err, "DC is a pdc, not a member server") != NULL);
    UNIT_ASSERT_STATUS(lab_machine_demote(lab, "EXCHSRV", "x", err, sizeof err),
                       STATUS_INVALID_PARAMETER);
    UNIT_ASSERT_STATUS(lab_machine_demote(lab, "DC", "x", err, sizeof err),
                       STATUS_INVALID_PARAMETER);
    CU_ASSERT(strstr(err, "first domain controller of CORP") != NULL);
    UNIT_ASSERT_STATUS(lab_machine_promote(lab, "NOSUCH", err, sizeof err),
                       STATUS_OBJECT_NAME_NOT_FOUND);
    CU_ASSERT(machine_role(exch) == ROLE_MEMBER && machine_running(exch));

    /* promote: the domain's database, the domain's SID, no local files;
     * restarted because it was running */
    UNIT_ASSERT_STATUS_FATAL(lab_machine_promote(lab, "exchsrv", err, sizeof err),
                             STATUS_SUCCESS);
    CU_ASSERT(machine_role(exch) == ROLE_BDC);
    CU_ASSERT(machine_running(exch));
    CU_ASSERT(!machine_owns_db(exch));
    CU_ASSERT(machine_sam(exch) == lab_domain_sam(lab, "CORP"));
    CU_ASSERT(machine_lsa(exch) == lab_domain_lsa(lab, "CORP"));
    CU_ASSERT(sid_equal(machine_sid(exch), machine_sid(pdc)));
    CU_ASSERT(!has_file(exch, "sam.txt") && !has_file(exch, "policy.inf"));
    UNIT_ASSERT_STATUS(lab_machine_promote(lab, "EXCHSRV", err, sizeof err),
                       STATUS_INVALID_PARAMETER); /* already a DC */

    /* the lab reopens with it as a DC */
    lab_free(lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(dir, false, &lab, err, sizeof err), STATUS_SUCCESS);
    exch = lab_machine_find(lab, "EXCHSRV");
    CU_ASSERT_FATAL(exch != NULL);
    CU_ASSERT(machine_role(exch) == ROLE_BDC && !machine_running(exch));
    CU_ASSERT(machine_sam(exch) == lab_domain_sam(lab, "CORP"));

    /* demote (down: stays down): its own fresh SAM and policy again, its
     * name-derived SID back, joined to the domain */
    UNIT_ASSERT_STATUS_FATAL(lab_machine_demote(lab, "EXCHSRV", "L0cal!", err, sizeof err),
                             STATUS_SUCCESS);
    CU_ASSERT(machine_role(exch) == ROLE_MEMBER && !machine_running(exch));
    CU_ASSERT(machine_owns_db(exch));
    CU_ASSERT(machine_sam(exch) != lab_domain_sam(lab, "CORP"));
    CU_ASSERT(sid_equal(machine_sid(exch), &member_sid));
    CU_ASSERT(has_file(exch, "sam.txt") && has_file(exch, "policy.inf"));
    lab_free(lab);
    UNIT_ASSERT_STATUS_FATAL(lab_open(dir, false, &lab, err, sizeof err), STATUS_SUCCESS);
    exch = lab_machine_find(lab, "EXCHSRV");
    CU_ASSERT_FATAL(exch != NULL);
    CU_ASSERT(machine_role(exch) == ROLE_MEMBER && machine_owns_db(exch));
    UNIT_ASSERT_STATUS(lab_boot_all(lab, err, sizeof err), STATUS_SUCCESS);
    lab_free(lab);
    unit_rmtree(dir);
}

static void test_dcpromo_refused(void)
{
    const char *dir = unit_tmpdir();
    char err[512];
    struct lab *lab;
    UNIT_ASSERT_STATUS_FATAL(lab_open(dir, true, &lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(lab_machine_add(lab, "DC", ROLE_PDC, OSVER_NT4, "CORP", ADMIN_PW, NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(lab, "NT4MEM", ROLE_MEMBER, OSVER_NT4, "CORP", ADMIN_PW, NULL),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(lab, "XPWS", ROLE_MEMBER, OSVER_XP, "CORP", ADMIN_PW, NULL),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lab_machine_promote(lab, "NT4MEM", err, sizeof err), STATUS_NOT_SUPPORTED);
    CU_ASSERT(strstr(err, "only by reinstalling Windows NT") != NULL);
    UNIT_ASSERT_STATUS(lab_machine_demote(lab, "DC", "x", err, sizeof err), STATUS_NOT_SUPPORTED);
    CU_ASSERT(strstr(err, "reinstalling") != NULL);
    UNIT_ASSERT_STATUS(lab_machine_promote(lab, "XPWS", err, sizeof err), STATUS_NOT_SUPPORTED);
    CU_ASSERT(strstr(err, "cannot be a domain controller") != NULL);
    CU_ASSERT(machine_role(lab_machine_find(lab, "NT4MEM")) == ROLE_MEMBER);
    CU_ASSERT(nterr_to_win32(STATUS_NOT_SUPPORTED) == ERROR_NOT_SUPPORTED);
    lab_free(lab);
    unit_rmtree(dir);
}

void suite_dcpromo(void)
{
    UNIT_SUITE("dcpromo", UNIT_TEST(test_dcpromo_w2k), UNIT_TEST(test_dcpromo_refused));
}
